// Glass-to-glass delay added by the embedded relay.
//
// Method: this process paints the wall clock (Date.now(), ms) into every raw frame as a 48-block
// barcode (44 time bits + a 4-bit check), and feeds the frames at 15 fps to ffmpeg, which
// encodes them (x264 ultrafast/zerolatency, 320x240, GOP 15) and pushes RTMP. Players (ffmpeg)
// decode to raw grey frames on stdout; this process reads each barcode back on arrival and
// records Date.now() minus the painted time. Video only: an audio track changes nothing in
// the relay (it forwards messages as they come) but makes ffmpeg's muxer hold video back to
// interleave, which would blur the measurement. So one clock measures both ends, and each sample
// is capture -> encode -> network -> relay -> network -> decode -> read.
// Baseline: the same pusher pushing RTMP straight into an ffmpeg RTMP listener (no relay).
// Relay-added delay = relay path - baseline. Usage: npx tsx bench/relay-latency.ts [seconds=12]

import { cpus } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { RelayMediaPlane } from '../server/src/media/relay/index.js';
import { freePort } from '../server/src/media/relay/config.js';
import { killChildren, percentile, run, sleep } from './relay-support.js';

const W = 320;
const H = 240;
const FPS = 15;
const BLOCK = 40; // 8 x 6 blocks of 40 px
const seconds = Number(process.argv[2] ?? 12);
const WARMUP_MS = 2000;

function paint(ms: number): Buffer {
  const frame = Buffer.alloc(W * H, 16);
  const time = BigInt(ms) & ((1n << 44n) - 1n);
  let ones = 0;
  const bits: number[] = [];
  for (let i = 43; i >= 0; i--) {
    const bit = Number((time >> BigInt(i)) & 1n);
    ones += bit;
    bits.push(bit);
  }
  for (let i = 3; i >= 0; i--) bits.push(((ones % 16) >> i) & 1);
  bits.forEach((bit, index) => {
    if (!bit) return;
    const bx = (index % 8) * BLOCK;
    const by = Math.floor(index / 8) * BLOCK;
    for (let y = by; y < by + BLOCK; y++) frame.fill(235, y * W + bx, y * W + bx + BLOCK);
  });
  return frame;
}

function read(frame: Buffer): number | null {
  const bits: number[] = [];
  for (let index = 0; index < 48; index++) {
    const bx = (index % 8) * BLOCK + 10;
    const by = Math.floor(index / 8) * BLOCK + 10;
    let sum = 0;
    for (let y = by; y < by + 20; y++) for (let x = bx; x < bx + 20; x++) sum += frame[y * W + x]!;
    bits.push(sum / 400 > 128 ? 1 : 0);
  }
  let time = 0n;
  let ones = 0;
  for (let i = 0; i < 44; i++) {
    time = (time << 1n) | BigInt(bits[i]!);
    ones += bits[i]!;
  }
  const check = bits.slice(44).reduce((a, b) => a * 2 + b, 0);
  if (check !== ones % 16) return null;
  const now = BigInt(Date.now());
  // Restore the bits above 44 from the current time.
  return Number((now & ~((1n << 44n) - 1n)) | time);
}

function pusher(url: string): { child: ChildProcess; stop: () => void } {
  const child = run(
    'ffmpeg',
    [
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      `${W}x${H}`,
      '-r',
      String(FPS),
      '-i',
      '-',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      String(FPS),
      '-pix_fmt',
      'yuv420p',
      '-f',
      'flv',
      url,
    ],
    'pipe',
  );
  child.stdin!.on('error', () => {});
  const timer = setInterval(() => {
    if (child.stdin!.writable) child.stdin!.write(paint(Date.now()));
  }, 1000 / FPS);
  return { child, stop: () => clearInterval(timer) };
}

function player(input: string[]): { samples: number[]; decoded: () => number; frames: () => number; err: () => string } {
  const child = run(
    'ffmpeg',
    [
      '-nostdin',
      '-loglevel',
      'error',
      '-fflags',
      'nobuffer',
      '-flags',
      'low_delay',
      // Video only: the RTMP reader announces audio too and would wait 5 s for it before starting.
      '-analyzeduration',
      '1000000',
      ...input,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-flush_packets',
      '1',
      '-',
    ],
    'pipe',
  );
  const samples: number[] = [];
  let pending = Buffer.alloc(0);
  let decoded = 0;
  let frames = 0;
  let first = 0;
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= W * H) {
      const frame = pending.subarray(0, W * H);
      pending = pending.subarray(W * H);
      frames += 1;
      const painted = read(frame);
      if (painted === null) continue;
      decoded += 1;
      if (!first) first = Date.now();
      if (Date.now() - first > WARMUP_MS) samples.push(Date.now() - painted);
    }
  });
  return { samples, decoded: () => decoded, frames: () => frames, err: () => err };
}

function summary(name: string, samples: number[]): { name: string; median: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  console.log(`| ${name} | ${sorted.length} | ${median} | ${percentile(sorted, 95)} | ${sorted[0]} | ${sorted[sorted.length - 1]} |`);
  return { name, median };
}

async function main() {
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model}; node ${process.version}`);
  console.log(`${W}x${H} ${FPS} fps, x264 ultrafast zerolatency, GOP ${FPS}; ${seconds} s per path after ${WARMUP_MS} ms warm-up`);
  console.log('| path | samples | median ms | p95 ms | min ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');

  // Baseline: pusher straight into an ffmpeg RTMP listener.
  const port = await freePort('127.0.0.1');
  const direct = player(['-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/direct`]);
  await sleep(1000);
  const p0 = pusher(`rtmp://127.0.0.1:${port}/live/direct`);
  await sleep(seconds * 1000 + WARMUP_MS + 1000);
  p0.stop();
  killChildren();
  const base = summary('direct RTMP, no relay (baseline)', direct.samples);
  await sleep(500);

  const plane = new RelayMediaPlane({ secret: 'bench-secret-0123456789', logLevel: 'silent' });
  await plane.start();
  try {
    const key = { appId: 'bench', roomId: 'latency', userId: 'pusher', screen: false };
    const expire = Math.floor(Date.now() / 1000) + 600;
    const p1 = pusher(plane.issuePushUrl(key, expire));
    await sleep(1000);
    const urls = plane.issuePlayUrls(key, 'viewer', { audio: true, video: true }, expire);
    const viaRtmp = player(['-i', urls.rtmp]);
    const viaFlv = player(['-i', urls.flv!]);
    await sleep(seconds * 1000 + WARMUP_MS + 1000);
    p1.stop();
    killChildren();
    const r = summary('relay, RTMP play', viaRtmp.samples);
    const f = summary('relay, HTTP-FLV play', viaFlv.samples);
    console.log(
      `frames read / with a valid barcode: baseline ${direct.frames()}/${direct.decoded()}, RTMP ${viaRtmp.frames()}/${viaRtmp.decoded()}, HTTP-FLV ${viaFlv.frames()}/${viaFlv.decoded()}`,
    );
    console.log(`relay-added median delay: RTMP ${r.median - base.median} ms, HTTP-FLV ${f.median - base.median} ms`);
  } finally {
    killChildren();
    await plane.stop();
  }
}

main().catch((err) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
