// Finds the processes a test run left behind. Every process of a run carries RUN_MARKER=<id> in
// its environment (global-setup.ts sets it before the workers start; children inherit it), so
// a server orphaned by a killed wrapper is still found after it was re-parented away from us.
// A process started with a hand-made environment has no marker: the descendants of this process
// are checked too. Linux /proc only; elsewhere nothing is found (the check is a safety net).
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const RUN_MARKER = 'MPRTC_TEST_RUN';

export interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

function procs(): (Proc & { env: string | null })[] {
  if (!existsSync('/proc/self/stat')) return [];
  const out: (Proc & { env: string | null })[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (stat === null) continue;
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') continue; // a zombie holds no port and no CPU; its parent reaps it
    out.push({
      pid: Number(name),
      ppid: Number(fields[1]),
      cmdline: (read(`/proc/${name}/cmdline`) ?? '').split('\0').join(' ').trim(),
      env: read(`/proc/${name}/environ`),
    });
  }
  return out;
}

/** The processes of this run other than vitest's own (this process and its worker forks). */
export function leaksNow(run: string, self = process.pid): Proc[] {
  const all = procs();
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const descendants = new Set<number>();
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (descendants.has(c)) continue;
      descendants.add(c);
      walk(c);
    }
  };
  walk(self);
  const marker = `\0${RUN_MARKER}=${run}\0`;
  const isWorker = (p: Proc) => p.ppid === self && /vitest/.test(p.cmdline);
  return all
    .filter((p) => p.pid !== self && !isWorker(p))
    .filter((p) => descendants.has(p.pid) || (p.env !== null && `\0${p.env}\0`.includes(marker)))
    .map(({ pid, ppid, cmdline }) => ({ pid, ppid, cmdline }));
}

/** Waits up to graceMs for the run's stray processes to exit; returns those still alive. */
export async function findLeaks(run: string, opts: { graceMs: number }): Promise<Proc[]> {
  const until = Date.now() + opts.graceMs;
  for (;;) {
    const leaks = leaksNow(run);
    if (leaks.length === 0 || Date.now() >= until) return leaks;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function killLeaks(leaks: Proc[]): void {
  for (const p of leaks) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
