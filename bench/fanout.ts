// Time for one room event to reach every member of a full 20-user room: one member toggles its
// audio (muteLocal), the 19 others each receive mute-audio / unmute-audio; we time from the
// send to the last receipt. Client and server share this process and loopback.
// Run: npx tsx bench/fanout.ts [iterations]
import { generateToken, startServer } from '../server/src/index.js';
import { BenchClient } from './lib/client.js';
import { BENCH_LIMITS, fmt, machine, now, summarize } from './lib/stats.js';

const ITER = Number(process.argv[2] ?? 500);
const WARMUP = Math.min(50, Math.floor(ITER / 10));
const APP_ID = 'bench0app0id000000000000';
const APP_KEY = 'bench-key';
const USERS = 20;

const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY }, ...BENCH_LIMITS });
const members: BenchClient[] = [];
for (let i = 0; i < USERS; i++) {
  const c = await BenchClient.open(server.url);
  const token = generateToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'full', userId: `u${i}`, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  const r = await c.request('join', { appId: APP_ID, token, roomId: 'full', userId: `u${i}`, visible: true });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  members.push(c);
}
const speaker = members[0]!;
const listeners = members.slice(1);
await speaker.request('publish', { screen: false });

let waiting = 0;
let allIn: (() => void) | null = null;
for (const l of listeners) {
  l.onEvent = (event) => {
    if (event === 'mute-audio' || event === 'unmute-audio') {
      waiting--;
      if (waiting === 0) allIn?.();
    }
  };
}

const toLast: number[] = [];
for (let i = 0; i < ITER + WARMUP; i++) {
  waiting = listeners.length;
  const done = new Promise<void>((r) => (allIn = r));
  const t0 = now();
  const response = speaker.request('muteLocal', { audio: i % 2 === 0, video: false });
  await done;
  const t1 = now();
  await response;
  if (i >= WARMUP) toLast.push(t1 - t0);
}

console.log(`machine: ${machine()}`);
console.log(`fan-out in a full room of ${USERS} users (1 sender, ${listeners.length} receivers), ${ITER} events after ${WARMUP} warm-up:`);
console.log(`  send -> last receiver: ${fmt(summarize(toLast))}`);
for (const m of members) m.close();
await server.close();
