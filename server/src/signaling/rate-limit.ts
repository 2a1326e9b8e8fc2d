/** Fixed-window counter per key (an address, an app's user id): cheap, and enough to blunt a flood. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one attempt; false when the key is over its budget for the current window. */
  take(key: string): boolean {
    return this.window(key).count++ < this.max;
  }

  /** True when the key has used its budget for the current window (counts nothing). */
  spent(key: string): boolean {
    const w = this.windows.get(key);
    return w !== undefined && this.clock() - w.start < this.windowMs && w.count >= this.max;
  }

  private window(key: string): { start: number; count: number } {
    const now = this.clock();
    if (this.windows.size > 10_000) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}

/**
 * A token bucket's tokens `ms` later: `burst` at most, refilled at `perSecond`. Buckets are plain
 * number fields of the object that has them (a client socket keeps three, on one clock), so a
 * client may send a burst (join, publish, a few subscribes at once) but not a sustained flood.
 */
export function refilled(tokens: number, ms: number, perSecond: number, burst: number): number {
  return Math.min(burst, tokens + (ms * perSecond) / 1000);
}

/** How many ms until a bucket holding `tokens` is out of debt (0: not in debt). */
export function debtMs(tokens: number, perSecond: number): number {
  return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / perSecond);
}

/** Counts open sockets per address and in total, refusing beyond the caps. */
export class SocketCounter {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxPerAddress: number,
    private readonly maxTotal: number,
  ) {}

  /** Why a new socket from `address` is refused, or null when it may open. */
  refusal(address: string): string | null {
    if (this.total >= this.maxTotal) return 'the server holds its maximum of sockets';
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress) return 'too many sockets from this address';
    return null;
  }

  open(address: string): void {
    this.total++;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    this.total--;
    const n = (this.perAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, n);
  }
}
