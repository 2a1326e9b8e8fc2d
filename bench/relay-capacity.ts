// How many concurrent push+play pairs the embedded relay sustains on this machine.
// Each pair is one ffmpeg pushing a pre-encoded 320x240 15 fps H.264 + AAC clip (stream copy, so
// pushers cost little CPU) and one ffprobe counting the packets it receives (no decoding).
// Steps 1, 2, 4, ... pairs; at each step, after every player has started, it counts video packets
// for a fixed window and samples the relay's own CPU (it runs in this process) and the machine's.
// It stops at the first step where a player gets under 90% of the pushed frame rate, or the
// machine is saturated. Usage: npx tsx bench/relay-capacity.ts [maxPairs=32] [windowSeconds=8]

import { cpus } from 'node:os';
import { RelayMediaPlane } from '../server/src/media/relay/index.js';
import type { StreamKey } from '../server/src/media/plane.js';
import { killAll, nextEvent, playFrames } from '../server/test/media/support/av.js';
import { machineCpu, makeClip, run, sleep } from './relay-support.js';

const maxPairs = Number(process.argv[2] ?? 32);
const windowSeconds = Number(process.argv[3] ?? 8);
const FPS = 15;

async function step(plane: RelayMediaPlane, clip: string, pairs: number, round: number) {
  const expire = Math.floor(Date.now() / 1000) + 600;
  const keys: StreamKey[] = Array.from({ length: pairs }, (_, i) => ({ appId: 'bench', roomId: `cap${round}`, userId: `u${i}`, screen: false }));
  const started = keys.map((key) =>
    nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && e.key.userId === key.userId && e.key.roomId === key.roomId, 30_000),
  );
  for (const key of keys) {
    run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', plane.issuePushUrl(key, expire)]);
  }
  await Promise.all(started);
  const players = keys.map((key) => playFrames(plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, expire), { packets: true }));
  await Promise.all(players.map((p) => p.until((c) => c.video >= FPS, 30_000, 'first second of video')));

  const before = players.map((p) => p.counts.video);
  const cpu0 = process.cpuUsage();
  const m0 = machineCpu();
  const t0 = performance.now();
  await sleep(windowSeconds * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineCpu();
  const rates = players.map((p, i) => (p.counts.video - before[i]!) / seconds);
  await killAll();
  return {
    pairs,
    minFps: Math.min(...rates),
    meanFps: rates.reduce((a, b) => a + b, 0) / rates.length,
    relayCpu: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    machineCpu: ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100,
  };
}

async function main() {
  const clip = await makeClip();
  const plane = new RelayMediaPlane({ secret: 'bench-secret-0123456789', logLevel: 'silent', pushTimeoutMs: 60_000 });
  await plane.start();
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model}; node ${process.version}`);
  console.log(`clip: 320x240 ${FPS} fps H.264 ~300 kbps + AAC 64 kbps; window ${windowSeconds} s per step`);
  console.log('| pairs | min video fps | mean video fps | relay CPU (% of one core) | machine CPU (% of all cores) |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  let round = 0;
  try {
    for (let pairs = 1; pairs <= maxPairs; pairs *= 2) {
      const r = await step(plane, clip, pairs, round++);
      console.log(`| ${r.pairs} | ${r.minFps.toFixed(1)} | ${r.meanFps.toFixed(1)} | ${r.relayCpu.toFixed(0)} | ${r.machineCpu.toFixed(0)} |`);
      if (r.minFps < FPS * 0.9 || r.machineCpu > 95) {
        console.log(`stopped: ${r.minFps < FPS * 0.9 ? 'a player fell under 90% of the pushed frame rate' : 'machine CPU saturated'}`);
        break;
      }
      await sleep(1000);
    }
  } finally {
    await killAll();
    await plane.stop();
  }
}

main().catch(async (err) => {
  console.error(err);
  await killAll();
  process.exit(1);
});
