// A fault-injecting TCP proxy on 127.0.0.1 for reliability tests: it sits between WebSocket
// clients and the real server and, on command or at random (seeded, so a failing run can be
// replayed), drops connections, stalls them, delays their bytes, or refuses new ones. Bytes are
// never reordered or altered: the faults are those of a real mobile network.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** mulberry32: a small seeded PRNG, so a run's faults follow from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of a link: chunks leave in order, no earlier than their release time. */
class Pipe {
  delayMs = 0;
  stalledUntil = 0;
  private readonly queue: { chunk: Buffer; at: number }[] = [];
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly to: net.Socket) {}

  push(chunk: Buffer): void {
    const now = Date.now();
    const at = Math.max(now + this.delayMs, this.stalledUntil, this.lastAt);
    this.lastAt = at;
    this.queue.push({ chunk, at });
    this.pump();
  }

  /** A stall ends: what it held goes out now (still in order). */
  release(): void {
    this.stalledUntil = 0;
    this.lastAt = 0;
    for (const q of this.queue) q.at = 0;
    this.pump();
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      if (!this.to.destroyed) this.to.write(this.queue.shift()!.chunk);
      else this.queue.shift();
    }
    if (this.queue.length > 0) this.timer = setTimeout(() => this.pump(), this.queue[0]!.at - now);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

export class Link {
  readonly up: Pipe; // client -> server
  readonly down: Pipe; // server -> client
  private closed = false;

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    private readonly onGone: (l: Link) => void,
  ) {
    this.up = new Pipe(upstream);
    this.down = new Pipe(client);
    client.on('data', (c) => this.up.push(c));
    upstream.on('data', (c) => this.down.push(c));
    // Either side ending ends the link, as a dead NAT mapping would.
    for (const s of [client, upstream]) {
      s.on('error', () => this.drop());
      s.on('close', () => this.drop());
    }
  }

  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.up.stop();
    this.down.stop();
    this.client.destroy();
    this.upstream.destroy();
    this.onGone(this);
  }

  /** Holds bytes in one or both directions for `ms`; nothing is lost unless the link drops. */
  stall(ms: number, direction: 'up' | 'down' | 'both' = 'both'): void {
    const until = Date.now() + ms;
    if (direction !== 'down') this.up.stalledUntil = until;
    if (direction !== 'up') this.down.stalledUntil = until;
  }

  delay(ms: number): void {
    this.up.delayMs = ms;
    this.down.delayMs = ms;
  }

  unfault(): void {
    this.delay(0);
    this.up.release();
    this.down.release();
  }
}

export interface FaultPlan {
  durationMs: number;
  /** Average time between two faults (uniform between half and one and a half of it). */
  meanGapMs: number;
  maxStallMs: number;
  maxDelayMs: number;
  /** How long a delay lasts before the link is fast again. */
  delayForMs: number;
  /** If set, some faults are outages: a link drops and no connection gets through for up to this long. */
  maxOutageMs?: number;
}

export interface FaultCounts {
  drops: number;
  stalls: number;
  delays: number;
  outages: number;
}

export class ChaosProxy {
  readonly links = new Set<Link>();
  /** Connections accepted so far (each client reconnect is one). */
  accepted = 0;
  private refusing = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<ChaosProxy> {
    // Assigned once the server exists; the connection handler only runs after that.
    // eslint-disable-next-line prefer-const
    let proxy!: ChaosProxy;
    const server = net.createServer((client) => {
      if (proxy.refusing) {
        client.destroy();
        return;
      }
      proxy.accepted++;
      client.pause();
      const upstream = net.connect(target.port, target.host, () => client.resume());
      const link = new Link(client, upstream, (l) => proxy.links.delete(l));
      proxy.links.add(link);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ChaosProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  url(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  dropAll(): number {
    const n = this.links.size;
    for (const l of [...this.links]) l.drop();
    return n;
  }

  /** New connections are cut at once while true (a network that is down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /**
   * Random faults for `plan.durationMs`, from `seed`. Resolves when the last fault has ended
   * (every link fast and unstalled again), with what was injected.
   */
  async runFaults(seed: number, plan: FaultPlan): Promise<FaultCounts> {
    const rnd = seededRandom(seed);
    const counts: FaultCounts = { drops: 0, stalls: 0, delays: 0, outages: 0 };
    const end = Date.now() + plan.durationMs;
    while (Date.now() < end) {
      await this.sleep(plan.meanGapMs * (0.5 + rnd()));
      const live = [...this.links];
      if (live.length === 0) continue;
      const link = live[Math.floor(rnd() * live.length)]!;
      const kind = rnd();
      if (plan.maxOutageMs && !this.refusing && kind < 0.1) {
        counts.outages++;
        this.refusing = true;
        link.drop();
        this.later(Math.round(plan.maxOutageMs * (0.5 + rnd() / 2)), () => (this.refusing = false));
      } else if (kind < 0.4) {
        counts.drops++;
        link.drop();
      } else if (kind < 0.7) {
        counts.stalls++;
        const r = rnd();
        link.stall(Math.round(plan.maxStallMs * rnd()), r < 0.33 ? 'up' : r < 0.66 ? 'down' : 'both');
      } else {
        counts.delays++;
        link.delay(Math.round(plan.maxDelayMs * rnd()));
        this.later(plan.delayForMs, () => link.delay(0));
      }
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.refusing = false;
    for (const l of this.links) l.unfault();
    return counts;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.later(ms, r));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dropAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
