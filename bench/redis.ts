// The cost of --redis, side by side in one run:
//  1. one node in this process, in-memory store vs Redis store: join round trip (room with 5
//     peers) and fan-out (one event to the 19 others of a full room, send -> last receipt);
//  2. joins per second with 1, 2 and 3 `serve --redis` processes behind no balancer: each node
//     gets its share of clients, each client joins a 5-user room and leaves, again and again.
// A redis-server is started for the run (temp dir, free port) and stopped after.
// Run: npm run bench:redis [-- iterations seconds]
import { generateToken, startServer, type RunningServer } from '../server/src/index.js';
import { ServeNode } from '../server/test/cluster/support.js';
import { APP_ID as NODE_APP_ID, APP_KEY as NODE_APP_KEY } from '../server/test/support/client.js';
import { TestRedis } from '../test/support/redis.js';
import { BenchClient } from './lib/client.js';
import { fmt, machine, now, summarize } from './lib/stats.js';

const ITER = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 3);
const WARMUP = Math.min(50, Math.floor(ITER / 10));
const APP_ID = 'bench0app0id000000000000';
const APP_KEY = 'bench-key';
const tokenFor = (appId: string, appKey: string, roomId: string, userId: string): string =>
  generateToken({ appId, appKey, roomId, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });

async function join(c: BenchClient, roomId: string, userId: string, appId = APP_ID, appKey = APP_KEY): Promise<void> {
  const r = await c.request('join', { appId, token: tokenFor(appId, appKey, roomId, userId), roomId, userId, visible: true });
  if (!r.ok) throw new Error(`join ${userId}: ${JSON.stringify(r.error)}`);
}

async function server(redis: string | null): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    apps: { [APP_ID]: APP_KEY },
    joinRateLimit: { max: 1e9, windowMs: 1000 },
    maxSocketsPerAddress: 10_000,
    messageRate: { perSecond: 1e6, burst: 1e6 },
    ...(redis ? { redis } : {}),
  });
}

async function joinLatency(s: RunningServer): Promise<number[]> {
  const peers: BenchClient[] = [];
  for (let i = 0; i < 5; i++) {
    const p = await BenchClient.open(s.url);
    await join(p, 'lat', `peer${i}`);
    peers.push(p);
  }
  const c = await BenchClient.open(s.url);
  const body = { appId: APP_ID, token: tokenFor(APP_ID, APP_KEY, 'lat', 'joiner'), roomId: 'lat', userId: 'joiner', visible: true };
  const samples: number[] = [];
  for (let i = 0; i < ITER + WARMUP; i++) {
    const t0 = now();
    const r = await c.request('join', body);
    const t1 = now();
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    if (i >= WARMUP) samples.push(t1 - t0);
    await c.request('leave');
  }
  for (const x of [...peers, c]) x.close();
  return samples;
}

async function fanout(s: RunningServer): Promise<number[]> {
  const members: BenchClient[] = [];
  for (let i = 0; i < 20; i++) {
    const c = await BenchClient.open(s.url);
    await join(c, 'full', `u${i}`);
    members.push(c);
  }
  const [speaker, ...listeners] = members as [BenchClient, ...BenchClient[]];
  await speaker.request('publish', { screen: false });
  let waiting = 0;
  let allIn: (() => void) | null = null;
  for (const l of listeners) {
    l.onEvent = (event) => {
      if ((event === 'mute-audio' || event === 'unmute-audio') && --waiting === 0) allIn?.();
    };
  }
  const samples: number[] = [];
  const n = Math.max(50, Math.floor(ITER / 2));
  for (let i = 0; i < n + WARMUP; i++) {
    waiting = listeners.length;
    const done = new Promise<void>((r) => (allIn = r));
    const t0 = now();
    const response = speaker.request('muteLocal', { audio: i % 2 === 0, video: false });
    await done;
    const t1 = now();
    await response;
    if (i >= WARMUP) samples.push(t1 - t0);
  }
  for (const m of members) m.close();
  return samples;
}

/** Joins per second that `nodes` serve processes complete together, 20 clients per node. */
async function throughput(redisUrl: string, count: number): Promise<{ perSecond: number; refused: number }> {
  const nodes = await Promise.all(
    Array.from({ length: count }, () =>
      ServeNode.start(redisUrl, { args: ['--join-rate', '1000000000/1000', '--max-sockets-per-address', '10000', '--message-rate', '1000000/1000000'] }),
    ),
  );
  const clients: { c: BenchClient; user: string; room: string }[] = [];
  for (let i = 0; i < 20 * count; i++) {
    clients.push({ c: await BenchClient.open(nodes[i % count]!.url), user: `t${i}`, room: `tp-${count}-${Math.floor(i / 5)}` });
  }
  let joins = 0;
  let refused = 0;
  let running = true;
  const t0 = now();
  await Promise.all(
    clients.map(async ({ c, user, room }) => {
      const body = { appId: NODE_APP_ID, token: tokenFor(NODE_APP_ID, NODE_APP_KEY, room, user), roomId: room, userId: user, visible: true };
      while (running) {
        const r = await c.request('join', body);
        if (r.ok) joins++;
        else refused++;
        await c.request('leave');
        if (now() - t0 > SECONDS * 1000) running = false;
      }
    }),
  );
  const elapsed = (now() - t0) / 1000;
  for (const { c } of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  return { perSecond: joins / elapsed, refused };
}

const redis = await TestRedis.start();
try {
  const rows: string[] = [];
  for (const kind of ['memory', 'redis'] as const) {
    const s = await server(kind === 'redis' ? redis.url : null);
    const j = summarize(await joinLatency(s));
    const f = summarize(await fanout(s));
    await s.close();
    rows.push(`  ${kind.padEnd(6)} join : ${fmt(j)}`, `  ${kind.padEnd(6)} fan-out to 19 : ${fmt(f)}`);
  }
  const tp: string[] = [];
  for (const n of [1, 2, 3]) {
    const r = await throughput(redis.url, n);
    tp.push(`  ${n} node${n > 1 ? 's' : ' '}: ${r.perSecond.toFixed(0)} joins/s (+ as many leaves)${r.refused ? `, ${r.refused} refused` : ''}`);
  }
  console.log(`machine: ${machine()}; one redis-server 7 on the same machine (append-only, fsync every second)`);
  console.log(`one node in this process, ${ITER} joins / ${Math.max(50, Math.floor(ITER / 2))} events after ${WARMUP} warm-up:`);
  for (const r of rows) console.log(r);
  console.log(
    `joins per second, serve --redis processes, 20 clients per node in rooms of 5, ${SECONDS} s each (the load generator is one process on the same cores):`,
  );
  for (const r of tp) console.log(r);
} finally {
  await redis.stop();
}
