// What the relay guard costs: the same publisher and player through the guard's RTMP front
// (chunk headers, commands and limits checked, then piped to node-media-server on loopback) and
// straight to node-media-server, side by side in one run, interleaved.
//
// The relay side (library + front) runs in its own process (bench/relay-guard-host.ts), as in
// `serve`; the clients (node-media-server's own RTMP client class) run here.
// - Delay: the publisher sends 30 small video messages a second, each carrying performance.now();
//   the player records arrival minus that time (one clock, so the figure is publisher socket ->
//   relay -> player socket, the part the guard can add to).
// - Throughput: the publisher sends 64 KiB video messages as fast as the player takes them (at
//   most 2 MiB in flight); the player counts payload bytes; the relay process's CPU time is read
//   from /proc.
// Usage: npx tsx bench/relay-guard.ts [seconds per measurement = 3] [rounds = 2]

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LibraryRtmpClient, type LibraryClient, type LibraryPacket } from '../test/hostile/support/rtmp.js';
import { percentile, sleep } from './relay-support.js';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 2);

const host = fork(fileURLToPath(new URL('./relay-guard-host.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
process.on('exit', () => host.kill('SIGKILL'));
const ports = await new Promise<{ guarded: number; direct: number }>((resolve) =>
  host.once('message', (m) => resolve(m as { guarded: number; direct: number })),
);

function relayCpuMs(): number {
  const f = readFileSync(`/proc/${host.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

let streamNo = 0;
async function open(port: number, role: 'publish' | 'play', name: string): Promise<LibraryClient> {
  const client = new LibraryRtmpClient();
  await client.connect(`rtmp://127.0.0.1:${port}/bench/${name}`);
  await client.sendConnect();
  await client.sendCreateStream();
  if (role === 'publish') await client.sendPublish(name);
  else await client.sendPlay(name);
  return client;
}

function video(size: number, dts: number, stamp = 0): LibraryPacket {
  const data = Buffer.alloc(size);
  data[0] = 0x17;
  data[1] = 0x01;
  data.writeDoubleBE(stamp, 5);
  return { codec_type: 9, flags: 3, dts, pts: dts, size, data };
}

async function pair(port: number): Promise<{ pub: LibraryClient; player: LibraryClient; received: (cb: (p: LibraryPacket) => void) => void }> {
  streamNo += 1;
  const name = `s${streamNo}`;
  const player = await open(port, 'play', name);
  const pub = await open(port, 'publish', name);
  return { pub, player, received: (cb) => (player.onPacketCallback = cb) };
}

async function delay(port: number): Promise<number[]> {
  const { pub, player, received } = await pair(port);
  const samples: number[] = [];
  let measuring = false;
  received((p) => {
    if (p.codec_type !== 9 || !measuring) return;
    samples.push(performance.now() - p.data.readDoubleBE(5));
  });
  const end = performance.now() + seconds * 1000 + 500;
  for (let i = 0; performance.now() < end; i++) {
    measuring = performance.now() > end - seconds * 1000;
    pub.sendPacket(video(1200, i * 33, performance.now()));
    await sleep(33);
  }
  await sleep(200);
  pub.disconnect();
  player.disconnect();
  return samples.sort((a, b) => a - b);
}

async function throughput(port: number): Promise<{ mbps: number; cpuMsPerMb: number }> {
  const { pub, player, received } = await pair(port);
  let bytes = 0;
  received((p) => {
    if (p.codec_type === 9) bytes += p.size;
  });
  const socket = pub.socket!;
  const packet = video(64 * 1024, 0);
  let dts = 0;
  let sent = 0;
  // At most 2 MiB between publisher and player: the relay is the bottleneck, not a queue.
  const run = async (ms: number): Promise<void> => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (sent - bytes < 2 * 1024 * 1024 && socket.writableLength < 1024 * 1024) {
        packet.dts = packet.pts = dts += 10;
        pub.sendPacket(packet);
        sent += packet.size;
        if (dts % 200 === 0) await new Promise((r) => setImmediate(r));
      } else await new Promise((r) => setTimeout(r, 1));
    }
  };
  await run(500); // warm-up
  const b0 = bytes;
  const c0 = relayCpuMs();
  const t0 = performance.now();
  await run(seconds * 1000);
  const mb = (bytes - b0) / (1024 * 1024);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = relayCpuMs() - c0;
  pub.disconnect();
  player.disconnect();
  await sleep(200);
  return { mbps: mb / elapsed, cpuMsPerMb: cpu / mb };
}

const results: Record<'guarded' | 'direct', { delays: number[]; mbps: number[]; cpu: number[] }> = {
  guarded: { delays: [], mbps: [], cpu: [] },
  direct: { delays: [], mbps: [], cpu: [] },
};
for (let r = 0; r < rounds; r++) {
  for (const path of r % 2 === 0 ? (['direct', 'guarded'] as const) : (['guarded', 'direct'] as const)) {
    results[path].delays.push(...(await delay(ports[path])));
    const t = await throughput(ports[path]);
    results[path].mbps.push(t.mbps);
    results[path].cpu.push(t.cpuMsPerMb);
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`${rounds} rounds, ${seconds} s per measurement, paths interleaved\n`);
console.log('| path | delay samples | median ms | p95 ms | p99 ms | throughput MiB/s | relay CPU ms per MiB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const path of ['direct', 'guarded'] as const) {
  const d = results[path].delays.sort((a, b) => a - b);
  const label = path === 'direct' ? 'straight to node-media-server (guard off)' : 'through the guard (guard on)';
  console.log(
    `| ${label} | ${d.length} | ${percentile(d, 50).toFixed(2)} | ${percentile(d, 95).toFixed(2)} | ${percentile(d, 99).toFixed(2)} | ${mean(results[path].mbps).toFixed(1)} | ${mean(results[path].cpu).toFixed(1)} |`,
  );
}
host.kill('SIGTERM');
process.exit(0);
