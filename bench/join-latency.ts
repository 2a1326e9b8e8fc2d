// Join round trip on the signaling server vs a bare ws echo of a same-sized request, both on
// one loopback interface, so the figure shows what the server adds over the socket itself.
// Run: npx tsx bench/join-latency.ts [iterations]
import { WebSocketServer } from 'ws';
import { generateToken, startServer } from '../server/src/index.js';
import { BenchClient } from './lib/client.js';
import { BENCH_LIMITS, fmt, machine, now, summarize } from './lib/stats.js';

const ITER = Number(process.argv[2] ?? 2000);
const WARMUP = Math.min(200, Math.floor(ITER / 10));
const APP_ID = 'bench0app0id000000000000';
const APP_KEY = 'bench-key';

async function echoBaseline(frame: string): Promise<number[]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) =>
    ws.on('message', (m) => {
      const { id } = JSON.parse(String(m));
      ws.send(JSON.stringify({ v: 1, type: 'response', id, ok: true, data: {} }));
    }),
  );
  const port = (wss.address() as { port: number }).port;
  const c = await BenchClient.open(`ws://127.0.0.1:${port}/`);
  const body = JSON.parse(frame);
  const samples: number[] = [];
  for (let i = 0; i < ITER + WARMUP; i++) {
    const t0 = now();
    await c.request('join', body);
    if (i >= WARMUP) samples.push(now() - t0);
  }
  c.close();
  await new Promise((r) => wss.close(r));
  return samples;
}

async function joins(): Promise<{ join: number[]; body: Record<string, unknown> }> {
  const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY }, ...BENCH_LIMITS });
  // A room with company, so the join does its real work (peer list, announcements).
  const others: BenchClient[] = [];
  for (let i = 0; i < 5; i++) {
    const o = await BenchClient.open(server.url);
    await o.request('join', {
      appId: APP_ID,
      token: generateToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'bench', userId: `peer${i}`, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 }),
      roomId: 'bench',
      userId: `peer${i}`,
      visible: true,
    });
    others.push(o);
  }
  const token = generateToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'bench', userId: 'joiner', expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  const body = { appId: APP_ID, token, roomId: 'bench', userId: 'joiner', visible: true };
  const c = await BenchClient.open(server.url);
  const samples: number[] = [];
  for (let i = 0; i < ITER + WARMUP; i++) {
    const t0 = now();
    const r = await c.request('join', body);
    const t1 = now();
    if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r.error)}`);
    if (i >= WARMUP) samples.push(t1 - t0);
    await c.request('leave');
  }
  c.close();
  for (const o of others) o.close();
  await server.close();
  return { join: samples, body };
}

const { join, body } = await joins();
const echo = await echoBaseline(JSON.stringify(body));
const j = summarize(join);
const e = summarize(echo);
console.log(`machine: ${machine()}`);
console.log(`join round trip (token verify + room with 5 peers), ${ITER} iterations after ${WARMUP} warm-up:`);
console.log(`  signaling join : ${fmt(j)}`);
console.log(`  raw ws echo    : ${fmt(e)}`);
console.log(`  server adds    : median ${(j.median - e.median).toFixed(3)} ms, p95 ${(j.p95 - e.p95).toFixed(3)} ms`);
