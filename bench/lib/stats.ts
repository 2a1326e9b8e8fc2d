// Small helpers shared by the benchmarks: percentiles and a machine description.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export function summarize(samplesMs: number[]): { n: number; median: number; p95: number; min: number; max: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, median: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}

export function fmt(s: ReturnType<typeof summarize>): string {
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  return `n=${s.n} median ${ms(s.median)}  p95 ${ms(s.p95)}  min ${ms(s.min)}  max ${ms(s.max)}`;
}

export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return `${cpus().length} cores (nproc), ${model}, Node ${process.version}`;
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The per-address and per-socket limits lifted: every bench client comes from 127.0.0.1 and
 * sends far faster than a person. The limits are still checked on every frame.
 */
export const BENCH_LIMITS = {
  joinRateLimit: { max: 1e9, windowMs: 1000 },
  messageRate: { perSecond: 1e9, burst: 1e9 },
  // A join loop sends ~300 bytes per join: past the default burst the byte rate would pause reading.
  byteRate: { perSecond: 1e12, burst: 1e12 },
  maxSocketsPerAddress: 1e6,
  maxSockets: 1e6,
};
