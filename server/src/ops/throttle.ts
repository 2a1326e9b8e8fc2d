// Lines a client can cause at will (refusals, limits reached) are capped per kind and address:
// a flood is counted by the metrics, not written out line by line. The first line after a quiet
// window says how many were left out.

export class LogThrottle {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** null: leave the line out; otherwise how many lines of this key were left out before it. */
  take(key: string): number | null {
    const now = this.clock();
    if (this.windows.size > 10_000) for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    let w = this.windows.get(key);
    let carried = 0;
    if (!w || now - w.start >= this.windowMs) {
      carried = w?.suppressed ?? 0;
      w = { start: now, count: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.perWindow) {
      w.suppressed++;
      return null;
    }
    w.count++;
    return carried;
  }
}
