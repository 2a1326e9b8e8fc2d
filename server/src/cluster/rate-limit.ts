// A rate limit counted across the cluster. The signaling path asks synchronously (no await on a
// join), so each node counts locally and, every few tens of milliseconds, adds its new counts to
// a Redis counter per key and window and learns the others' share back. A key is over its budget
// when its count on all nodes (as last learned) reaches it: exact across nodes up to what the
// others counted since the last exchange. Windows are aligned to the clock, the same on every node.
import type { Redis } from 'ioredis';
import { RateLimiter } from '../signaling/rate-limit.js';
import { PREFIX } from '../store/keys.js';

interface Count {
  win: number;
  /** Counted here this window. */
  mine: number;
  /** Counted here and not yet added to Redis. */
  pending: number;
  /** The other nodes' count this window, as Redis last said. */
  others: number;
  /** spent() asked since the last exchange: refresh `others` even with nothing to add. */
  asked: boolean;
}

export class SharedRateLimiter extends RateLimiter {
  private readonly counts = new Map<string, Count>();
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly budget: number,
    private readonly spanMs: number,
    private readonly now: () => number = Date.now,
    private readonly everyMs = 25,
  ) {
    super(budget, spanMs, now);
  }

  override take(key: string): boolean {
    const c = this.count(key);
    const used = c.mine + c.others;
    c.mine++;
    c.pending++;
    this.schedule();
    return used < this.budget;
  }

  override spent(key: string): boolean {
    const c = this.counts.get(key);
    if (!c || c.win !== this.windowIndex()) return false;
    // Learn the others' share for a key this node is asked about (a guessed user id).
    c.asked = true;
    this.schedule();
    return c.mine + c.others >= this.budget;
  }

  /** Stops the exchange (the node is stopping). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private windowIndex(): number {
    return Math.floor(this.now() / this.spanMs);
  }

  private count(key: string): Count {
    const win = this.windowIndex();
    let c = this.counts.get(key);
    if (!c || c.win !== win) {
      if (this.counts.size > 10_000) for (const [k, v] of this.counts) if (v.win !== win) this.counts.delete(k);
      c = { win, mine: 0, pending: 0, others: 0, asked: false };
      this.counts.set(key, c);
    }
    return c;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.everyMs);
    this.timer.unref?.();
  }

  /** Adds this node's new counts to Redis and reads the totals back (Redis away: counts stay local). */
  async flush(): Promise<void> {
    if (this.flushing) return this.schedule();
    this.flushing = true;
    try {
      const win = this.windowIndex();
      const batch = [...this.counts].filter(([, c]) => c.win === win && (c.pending > 0 || c.asked));
      if (batch.length === 0) return;
      const p = this.redis.pipeline();
      for (const [key, c] of batch) {
        const k = `${PREFIX}rate:${this.name}:${win}:${key}`;
        p.incrby(k, c.pending);
        p.pexpire(k, this.spanMs * 2);
      }
      const sent = batch.map(([, c]) => c.pending);
      batch.forEach(([, c]) => {
        c.pending = 0;
        c.asked = false;
      });
      const res = await p.exec();
      batch.forEach(([, c], i) => {
        const total = Number(res?.[i * 2]?.[1]);
        if (res?.[i * 2]?.[0] || !Number.isFinite(total)) {
          c.pending += sent[i]!; // not counted in Redis: try again next time
          return;
        }
        if (c.win === win) c.others = Math.max(0, total - (c.mine - c.pending));
      });
    } catch {
      /* Redis away: the local counts still limit this node */
    } finally {
      this.flushing = false;
    }
  }
}
