// Every bench, run in a tiny bounded mode, so none rots: each must finish and print sane output
// (its rows, with numbers where numbers belong). Timings are never asserted.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { needs } from '../support/binaries.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CI = process.env.CI === 'true';
const relay = needs(['ffmpeg', 'ffprobe'], 'the relay benches');

/** Runs a bench through tsx; resolves with its output, rejects on a non-zero exit. */
function bench(file: string, args: string[] = [], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')} ended with ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

const finitePositive = (xs: number[] | undefined) => xs !== undefined && xs.length > 0 && xs.every((x) => Number.isFinite(x) && x > 0);

describe('benches in smoke mode', () => {
  it('bench/peers: every row measured for every server, the table and the conditions printed', async () => {
    const json = join(dir, 'peers.json');
    const out = await bench('bench/peers/run.ts', ['--smoke', '--idle', '60', '--json', json]);
    expect(out).toMatch(/machine: \d+ cores .*Node v\d+/);
    expect(out).toMatch(/socket\.io \d+\.\d+\.\d+, socket\.io-client \d+\.\d+\.\d+, ws \d+\.\d+\.\d+/);
    expect(out).toMatch(/load average \(1\/5\/15 min\) at start: [\d.]+ [\d.]+ [\d.]+/);
    expect(out).toMatch(/load average at end: [\d.]+ [\d.]+ [\d.]+/);
    expect(out).toContain('| join+leave pairs per server CPU-second, 50 clients |');
    const r = JSON.parse(readFileSync(json, 'utf8')) as {
      idle: number;
      samples: Record<string, Record<string, number[]>>;
      audienceHeard: Record<string, { members: number; events: number }>;
      audienceSlowdown?: Record<string, number>;
    };
    const s = r.samples;
    expect(r.idle).toBe(60);
    for (const col of ['ours', 'floor', 'sio+token', 'sio']) {
      expect(finitePositive(s.joinNew?.[col]), `joinNew ${col}`).toBe(true);
      expect(finitePositive(s.joinKept?.[col]), `joinKept ${col}`).toBe(true);
      expect(finitePositive(s.pairsPerCpuS?.[col]), `pairs ${col}`).toBe(true);
    }
    for (const col of ['ours', 'floor', 'sio+token']) {
      // Every event reached all 19 receivers (a lost event would hang the round, not pass it).
      expect(s.fanout?.[col]).toHaveLength(20);
      expect(s.fanoutPaced?.[col]).toHaveLength(20);
      expect(s.fanoutTwin?.[col]).toHaveLength(20);
      expect(s.fanoutInvisible?.[col]).toHaveLength(20);
      // The slowdown is the audience room's median over its twin's, events sent in turn.
      expect(Number.isFinite(r.audienceSlowdown?.[col]), `audience slowdown ${col}`).toBe(true);
      expect(s.fanoutInvisibleReading?.[col]).toHaveLength(20);
      // The audience (50 in smoke mode) heard every event of both audience runs (20 + 2 warm-up
      // each), each exactly once: the worker checks after every event and the run fails otherwise.
      expect(r.audienceHeard[col]).toEqual({ members: 50, events: 44 });
      expect(finitePositive(s.fanout?.[col]), `fanout ${col}`).toBe(true);
      // Memory deltas of 60 sockets are noisy but an idle-socket row must exist and be a number.
      expect(Number.isFinite(s.idleRss?.[col]?.[0]), `idle RSS ${col}`).toBe(true);
      expect(Number.isFinite(s.idleHeap?.[col]?.[0]), `idle heap ${col}`).toBe(true);
      expect(s.idleCpu?.[col]?.[0]).toBeGreaterThanOrEqual(0);
    }
    expect(finitePositive(s.resumeHeap?.ours)).toBe(true);
    expect(finitePositive(s.codegen?.ours)).toBe(true);
  }, 180_000);

  it('bench/join-latency.ts and bench/fanout.ts print their summaries', async () => {
    // More frames than a socket's default burst: a bench must lift the limits it is not measuring.
    const join = await bench('bench/join-latency.ts', ['300']);
    expect(join).toMatch(/signaling join : n=300 median [\d.]+ ms/);
    expect(join).toMatch(/raw ws echo {4}: n=300 median [\d.]+ ms/);
    const fan = await bench('bench/fanout.ts', ['300']);
    expect(fan).toMatch(/send -> last receiver: n=300 median [\d.]+ ms/);
  }, 60_000);

  it('bench/codegen.ts times the cold check and the warm pipeline', async () => {
    const out = await bench('bench/codegen.ts', ['1', '2']);
    expect(out).toMatch(/cold process\), median of 1: \d+ ms/);
    // The check the manifest answers (no ts-morph), one after an edit, and --full.
    expect(out).toMatch(/--check --no-stamp \(cold process\), median of 1: \d+ ms, CPU \d+ ms/);
    expect(out).toMatch(/one page edited \(cold process\), median of 1: \d+ ms, CPU \d+ ms \(.*; exit 1\)/);
    expect(out).toMatch(/--check --full \(cold process\), median of 1: \d+ ms/);
    // The same two without any of codegen's caches (a fresh clone).
    expect(out).toMatch(/--check --no-stamp, no caches \(cold process\), median of 1: \d+ ms, CPU \d+ ms/);
    expect(out).toMatch(/one page edited, no caches \(cold process\), median of 1: \d+ ms, CPU \d+ ms/);
    expect(out).toMatch(/parse \+ reconcile \(warm\), median of 2: [\d.]+ ms/);
    expect(out).toMatch(/emit with ts-morph \(warm\), median of 2: [\d.]+ ms/);
  }, 60_000);

  it.skipIf(!existsSync(join(root, 'dist/VolcEngineRTC_MiniApp.js')) && !CI)(
    'bench/bundle-size.ts sizes the built bundles',
    async () => {
      const out = await bench('bench/bundle-size.ts');
      expect(out).toMatch(/dist\/VolcEngineRTC_MiniApp\.js\s+\d+\s+\d+\s+\d+/);
      expect(out).toContain('largest sources in the minified file');
    },
    60_000,
  );

  it.runIf(relay)(
    'bench/relay-capacity.ts runs one step of one push+play pair',
    async () => {
      const out = await bench('bench/relay-capacity.ts', ['1', '1']);
      expect(out).toMatch(/\| 1 \| [\d.]+ \| [\d.]+ \| \d+ \| \d+ \|/);
    },
    120_000,
  );

  it.runIf(relay)(
    'bench/relay-latency.ts measures the baseline and both relay paths',
    async () => {
      const out = await bench('bench/relay-latency.ts', ['2']);
      expect(out).toMatch(/\| direct RTMP, no relay \(baseline\) \| \d+ \|/);
      expect(out).toMatch(/relay-added median delay: RTMP -?\d+ ms, HTTP-FLV -?\d+ ms/);
    },
    120_000,
  );

  it('bench/relay-guard.ts measures both paths', async () => {
    const out = await bench('bench/relay-guard.ts', ['1', '1']);
    expect(out).toMatch(/\| straight to node-media-server \(guard off\) \| \d+ \| [\d.]+ \|/);
    expect(out).toMatch(/\| through the guard \(guard on\) \| \d+ \| [\d.]+ \|/);
  }, 120_000);

  it.runIf(needs(['redis-server'], 'the Redis bench'))(
    'bench/redis.ts compares memory and Redis rooms',
    async () => {
      const out = await bench('bench/redis.ts', ['30', '1']);
      expect(out).toMatch(/memory join : n=\d+ median [\d.]+ ms/);
      expect(out).toMatch(/redis {2}join : n=\d+ median [\d.]+ ms/);
      expect(out).toMatch(/1 node : \d+ joins\/s/);
    },
    120_000,
  );
});
