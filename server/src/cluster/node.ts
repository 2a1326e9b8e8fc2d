// One signaling node of a cluster sharing Redis: its id and liveness key, its pub/sub channel,
// the room store and session registry backed by Redis, and the sweeps that end sessions whose
// grace period ran out, parked on any node or held by a node that died.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SessionEntry } from '../signaling/sessions.js';
import { connect, createRedis, type RedisConfig } from '../store/client.js';
import { StoreUnavailable } from '../store/errors.js';
import { keys } from '../store/keys.js';
import { RedisRoomStore } from '../store/room-store.js';
import type { ReportLimits, ReportQuery, StoredReport } from '../reports/store.js';
import type { MediaPlane } from '../media/plane.js';
import type { StreamKey } from '../media/plane.js';
import * as ops from '../rooms/ops.js';
import { ClusterMediaPlane, relayKey } from './media.js';
import { SharedRateLimiter } from './rate-limit.js';
import { SharedReportStore } from './reports.js';
import { committed, route } from './route.js';
import { ClusterSessions, RING, type ParkedRef } from './sessions.js';

export interface NodeLog {
  warn(message: string): void;
}

const consoleLog: NodeLog = { warn: (m) => console.error(`[mprtc-server] ${m}`) };

export class ClusterNode {
  readonly nodeId: string;
  readonly redis: Redis;
  /** Pub/sub needs a connection of its own. */
  private readonly sub: Redis;
  readonly store: RedisRoomStore;
  readonly sessions: ClusterSessions;
  private readonly ttlMs: number;
  private readonly mediaInProcess: boolean;
  /** host:port of Redis, for messages (never the password). */
  private readonly where: string;
  private readonly inflight = new Set<Promise<unknown>>();
  private timers: NodeJS.Timeout[] = [];
  /** Since when this node has had Redis without a break: it judges others dead only after a full TTL of it. */
  private healthySince = 0;
  private stopped = false;
  private readonly limiters: SharedRateLimiter[] = [];
  private lastWarn = 0;

  constructor(
    config: RedisConfig,
    private readonly graceMs: number,
    onExpire: (entry: SessionEntry) => void,
    private readonly log: NodeLog = consoleLog,
  ) {
    this.nodeId = config.nodeId ?? randomBytes(6).toString('hex');
    const u = new URL(config.url);
    this.where = `${u.hostname}:${u.port || 6379}`;
    this.ttlMs = config.nodeTtlMs ?? 5000;
    this.mediaInProcess = config.mediaInProcess ?? false;
    this.redis = createRedis(config);
    this.sub = createRedis(config, { commandTimeout: undefined });
    this.store = new RedisRoomStore(this.redis, { route, committed, writer: this.nodeId, ringSize: RING, kickedTtlMs: graceMs });
    this.sessions = new ClusterSessions(
      {
        nodeId: this.nodeId,
        redis: this.redis,
        track: (what, p) => this.track(what, p),
        memberExpiry: (key, userId, sid) =>
          this.store.read(key, (room) => {
            const m = room?.members.get(userId);
            return m && m.sessionId === sid ? m.tokenExpireAt : undefined;
          }),
      },
      graceMs,
      onExpire,
    );
  }

  /** Connects, listens on this node's channel, announces itself, and starts the sweeps. */
  async start(): Promise<void> {
    try {
      await Promise.all([connect(this.redis), connect(this.sub)]);
    } catch (e) {
      this.stopped = true;
      this.sub.disconnect();
      this.redis.disconnect();
      throw new StoreUnavailable(`cannot reach redis at ${this.where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.sub.on('message', (_channel: string, message: string) => {
      try {
        this.sessions.onMessage(message);
      } catch (e) {
        this.warn(`cluster message failed: ${String(e)}`);
      }
    });
    await this.sub.subscribe(keys.channel(this.nodeId));
    // Back after a break: what the channel carried meanwhile was lost, the rings still have it.
    this.sub.on('ready', () => this.track('catch up', this.sessions.catchUp()));
    this.redis.on('ready', () => (this.healthySince = Date.now()));
    this.redis.on('close', () => (this.healthySince = 0));
    this.healthySince = Date.now();
    await this.beat();
    const every = Math.max(100, Math.floor(this.ttlMs / 3));
    this.timers.push(setInterval(() => this.track('heartbeat', this.beat()), every));
    this.timers.push(setInterval(() => this.track('dead nodes', this.findDead()), every));
    this.timers.push(setInterval(() => this.track('sweep', this.sweep()), Math.min(500, every)));
    for (const t of this.timers) t.unref?.();
  }

  private reports: SharedReportStore | null = null;

  /** This node's report store, mirrored to Redis (made once, by the server). */
  reportStore(limits: Partial<ReportLimits>): SharedReportStore {
    this.reports = new SharedReportStore(this.redis, limits, (what, p) => this.track(what, p));
    return this.reports;
  }

  /** The operators' view of reports: every node's. */
  get reportSource(): { query(q: ReportQuery): Promise<StoredReport[]> } | null {
    const r = this.reports;
    return r ? { query: (q) => r.queryCluster(q) } : null;
  }

  /** This node's media plane as the cluster sees it: URLs and controls go to the relay holding the stream. */
  wrapMedia(local: MediaPlane): ClusterMediaPlane {
    const plane = new ClusterMediaPlane(local, {
      nodeId: this.nodeId,
      redis: this.redis,
      track: (what, p) => this.track(what, p),
      mediaInProcess: this.mediaInProcess,
    });
    this.sessions.onMedia = (kind, id, from, body) => plane.onMessage(kind, id, from, body);
    return plane;
  }

  /** A rate limit counted across the cluster (join attempts per address, token refusals per user). */
  limiter(name: string, limit: { max: number; windowMs: number }): SharedRateLimiter {
    const l = new SharedRateLimiter(this.redis, name, limit.max, limit.windowMs);
    this.limiters.push(l);
    return l;
  }

  /** Stops sweeping, waits for writes in flight, leaves the node set and disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const l of this.limiters) l.dispose();
    // Sockets may finish closing after this: park their sessions now, while Redis is still ours.
    this.sessions.parkAll();
    await Promise.allSettled([...this.inflight]);
    // Whatever this node still holds (a park that failed) waits in the queue like a dead node's.
    await this.requeue(this.nodeId).catch((e: unknown) => this.warn(`requeue on stop failed: ${String(e)}`));
    // Its relay stops with it: the streams pushed here are failed in their rooms.
    await this.failStreams(this.nodeId).catch((e: unknown) => this.warn(`failing streams on stop failed: ${String(e)}`));
    // A clean goodbye: nobody has to wait for the TTL to know this node is gone.
    await Promise.allSettled([this.redis.del(keys.alive(this.nodeId)), this.redis.srem(keys.nodes, this.nodeId)]);
    this.sessions.dispose();
    this.sub.disconnect();
    this.redis.disconnect();
  }

  track(what: string, p: Promise<unknown>): void {
    this.inflight.add(p);
    p.then(
      () => this.inflight.delete(p),
      (e: unknown) => {
        this.inflight.delete(p);
        this.warn(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  /** Redis trouble is logged at most once a second, not once per request. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 1000) return;
    this.lastWarn = now;
    this.log.warn(message);
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    await this.redis.set(keys.alive(this.nodeId), String(Date.now()), 'PX', this.ttlMs);
    await this.redis.sadd(keys.nodes, this.nodeId);
  }

  /**
   * A node whose liveness key expired is dead: one survivor (SET NX) moves its sessions to the
   * parked queue, due a grace period from now; a resume elsewhere before then keeps them.
   */
  private async findDead(): Promise<void> {
    if (this.stopped || this.healthySince === 0 || Date.now() - this.healthySince < this.ttlMs) return;
    const ids = await this.redis.smembers(keys.nodes);
    for (const id of ids) {
      if (id === this.nodeId || (await this.redis.exists(keys.alive(id)))) continue;
      const won = await this.redis.set(keys.deadClaim(id), this.nodeId, 'PX', 60_000, 'NX');
      if (won !== 'OK') continue;
      const n = await this.requeue(id);
      const lost = await this.failStreams(id);
      await this.redis.srem(keys.nodes, id);
      if (lost > 0) this.log.warn(`node ${id} is gone: ${lost} streams its relay held are failed in their rooms`);
      this.log.warn(`node ${id} is gone: ${n} of its sessions wait ${this.graceMs} ms for a resume`);
    }
  }

  /**
   * The relay of a node that is gone held these streams: each still held there is failed in its
   * room (stream-failed to the publisher, who publishes again on its new node; stream-removed to
   * the others). Returns how many.
   */
  private async failStreams(id: string): Promise<number> {
    const members = await this.redis.smembers(keys.nodeStreams(id));
    let n = 0;
    for (const m of members) {
      let k: StreamKey;
      try {
        const [appId, roomId, userId, screen] = JSON.parse(m) as [string, string, string, boolean];
        k = { appId, roomId, userId, screen };
      } catch {
        continue;
      }
      if ((await this.redis.get(relayKey(k))) !== id) continue;
      // The room's events travel with the commit; the plays to end were on the relay that is gone.
      await this.store.update({ appId: k.appId, roomId: k.roomId }, (room) =>
        ops.pushFailed(room, k.userId, k.screen, 'the relay that held the stream is gone'),
      );
      await this.redis.del(relayKey(k));
      n++;
    }
    await this.redis.del(keys.nodeStreams(id));
    return n;
  }

  /** Moves the sessions a node holds to the parked queue, due a grace period from now. */
  private async requeue(id: string): Promise<number> {
    const members = await this.redis.smembers(keys.nodeSessions(id));
    const due = Date.now() + this.graceMs;
    for (const m of members) {
      try {
        const [appId, roomId, sid] = JSON.parse(m) as [string, string, string];
        const ref: ParkedRef = [appId, roomId, sid, `n${id}`];
        await this.redis.zadd(keys.parked, 'NX', due, JSON.stringify(ref));
      } catch {
        /* a malformed member: skip it */
      }
    }
    await this.redis.del(keys.nodeSessions(id));
    return members.length;
  }

  /** Ends the parked sessions whose grace period is over; ZREM decides which node does it. */
  private async sweep(): Promise<void> {
    if (this.stopped) return;
    const due = await this.redis.zrangebyscore(keys.parked, '-inf', Date.now(), 'LIMIT', 0, 100);
    for (const m of due) {
      if (this.stopped) return;
      if ((await this.redis.zrem(keys.parked, m)) !== 1) continue;
      let ref: ParkedRef;
      try {
        ref = JSON.parse(m) as ParkedRef;
      } catch {
        continue;
      }
      // A node judged dead that came back (a long Redis outage) keeps its sessions.
      if (ref[3].startsWith('n') && (await this.redis.exists(keys.alive(ref[3].slice(1))))) continue;
      await this.sessions.reap(ref);
    }
  }
}
