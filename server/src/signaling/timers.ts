// setTimeout takes at most 2^31-1 ms (~24.8 days); tokens may expire later than that.
const MAX_DELAY = 0x7fffffff;

export interface Cancel {
  (): void;
}

/** Calls fn at the Unix time `atMs` (at once when past), re-arming across long waits. */
export function at(atMs: number, fn: () => void, clock: () => number = Date.now): Cancel {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = atMs - clock();
    if (delay > MAX_DELAY) {
      timer = setTimeout(arm, MAX_DELAY);
    } else {
      timer = setTimeout(fn, Math.max(0, delay));
    }
    timer.unref?.();
  };
  arm();
  return () => clearTimeout(timer);
}
