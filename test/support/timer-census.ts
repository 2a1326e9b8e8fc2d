// Counts the live timers that code under a given path started directly: a test wraps the global
// setTimeout/clearTimeout, and after leave/destroy expects none of the SDK's to be left.
// (The real server runs in the same process; the stack tells whose timer it is.)

export interface TimerCensus {
  /** Timers started from files whose path contains the marker, not yet fired or cleared. */
  live(): number;
  /** All timers the code started since the census began. */
  started(): number;
  restore(): void;
}

export function timerCensus(pathMarker: string): TimerCensus {
  const g = globalThis as unknown as {
    setTimeout: (fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => unknown;
    clearTimeout: (h: unknown) => void;
  };
  const realSet = g.setTimeout;
  const realClear = g.clearTimeout;
  const live = new Set<unknown>();
  let started = 0;
  g.setTimeout = (fn, ms, ...rest) => {
    // The immediate caller decides: a library timer started on the SDK's behalf (ws's close
    // timer) is the library's to clear.
    const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
    const mine = caller.includes(pathMarker);
    const handle: unknown = realSet(
      (...a: unknown[]) => {
        live.delete(handle);
        fn(...a);
      },
      ms,
      ...rest,
    );
    if (mine) {
      live.add(handle);
      started++;
    }
    return handle;
  };
  g.clearTimeout = (h) => {
    live.delete(h);
    realClear(h);
  };
  return {
    live: () => live.size,
    started: () => started,
    restore: () => {
      g.setTimeout = realSet;
      g.clearTimeout = realClear;
    },
  };
}
