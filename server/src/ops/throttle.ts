// Lines a client can cause at will (refusals, limits reached) are capped per kind and address:
// a flood is counted by the metrics, not written out line by line. The first line after a quiet
// window says how many were left out.

export class LogThrottle {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10_000,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Keys currently tracked (bounded by `maxKeys`). */
  get size(): number {
    return this.windows.size;
  }

  /** null: leave the line out; otherwise how many lines of this key were left out before it. */
  take(key: string): number | null {
    const now = this.clock();
    if (this.windows.size >= this.maxKeys && !this.windows.has(key)) {
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
      // Still full (refusals from ever new addresses within one window): the oldest keys go, so
      // the map stays bounded; their next line is written again, which is all that is lost.
      for (const k of this.windows.keys()) {
        if (this.windows.size < this.maxKeys) break;
        this.windows.delete(k);
      }
    }
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
