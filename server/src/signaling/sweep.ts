// One timer per server looks at every socket's join and idle deadlines, instead of two timers per
// socket: on a server holding tens of thousands of idle sockets those timer objects cost memory,
// and re-arming them CPU, while a look at one socket's two numbers costs next to nothing.

export interface Swept {
  /** Closes the socket if one of its deadlines passed at `now`. */
  sweep(now: number): void;
}

/**
 * How often the sweep runs: a deadline is acted on at most this late. An eighth of the shorter
 * timeout and at most a second (the defaults, 15 s and 60 s, give a second).
 */
export function sweepEveryMs(joinTimeoutMs: number, idleTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(joinTimeoutMs, idleTimeoutMs) / 8)));
}

/** Starts sweeping `sockets` (a live collection) every `everyMs`; returns the stop. */
export function startSweep(sockets: Iterable<Swept>, everyMs: number, fault: (e: unknown) => void, clock: () => number = Date.now): () => void {
  const timer = setInterval(() => {
    const now = clock();
    for (const s of sockets) {
      try {
        s.sweep(now);
      } catch (e) {
        // One socket's failure must not spare the others their deadlines (nor crash the server).
        fault(e);
      }
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
