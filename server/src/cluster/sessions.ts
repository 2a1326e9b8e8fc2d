// Sessions when several nodes share Redis. The sockets stay on their node, but a session's state
// (who holds it, its resume secret's hash, its event numbers and recent events) lives with its
// room in Redis, so a resume may land on any node. Events reach this node on its pub/sub channel
// already numbered; a parked session waits in a shared queue that every node sweeps, and the
// grace period ending removes it exactly once (whichever node claims it first).
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CODES } from '../codes.js';
import type { RoomKey } from '../rooms/model.js';
import { SessionEntry, SessionRegistry, type Answer, type Attachment, type TakeResult } from '../signaling/sessions.js';
import { keys } from '../store/keys.js';
import { EVENT, PARK, REAP, RESUME } from '../store/scripts.js';
import { framePrefix } from './route.js';

/** Events kept per session for a resume (as in one process). */
export const RING = 512;

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The parked queue's member: which session, and the state it must still be in to be removed. */
export type ParkedRef = [appId: string, roomId: string, sessionId: string, tag: string];

interface Link {
  readonly nodeId: string;
  readonly redis: Redis;
  /** Keeps a background write so stop() can wait for it, and logs its failure. */
  track(what: string, p: Promise<unknown>): void;
  /** The member's token expiry as the room has it (updateToken moves it there), if still the session's. */
  memberExpiry(key: RoomKey, userId: string, sessionId: string): Promise<number | undefined>;
}

const noAttachment: Attachment = { deliver: () => undefined, evict: () => undefined };

/** Answers kept per session in Redis (as many as one process keeps). */
const ANSWERS_KEPT = 128;

/**
 * A session entry whose answers are also kept in Redis: after a resume on another node, a
 * request the client resends (same id) gets the answer the first node gave, not a second run.
 */
class ClusterEntry extends SessionEntry {
  /** Answers given on earlier nodes, read at the resume; each is handed out once. */
  inherited: Map<number, Answer> | undefined;

  constructor(
    sessionId: string,
    resumeToken: string,
    key: RoomKey,
    userId: string,
    tokenExpireAt: number,
    conn: Attachment,
    private readonly record: (entry: ClusterEntry, id: number, answer: Answer) => void,
  ) {
    super(sessionId, resumeToken, key, userId, tokenExpireAt, conn);
  }

  override answer(id: number, from: Attachment, work: () => Answer | Promise<Answer>): Answer | Promise<Answer> {
    const earlier = this.inherited?.get(id);
    if (earlier !== undefined) {
      this.inherited!.delete(id);
      return Promise.resolve(earlier);
    }
    const seen = this.answers.get(id)?.answer;
    const p = super.answer(id, from, work);
    // Recorded before the connection sends it (this reaction runs first).
    if (p === seen) return p;
    if (p instanceof Promise)
      p.then(
        (a) => this.record(this, id, a),
        () => undefined,
      );
    else this.record(this, id, p);
    return p;
  }
}

export class ClusterSessions extends SessionRegistry {
  /** Sessions this node holds, attached or parked here. */
  private readonly local = new Map<string, SessionEntry>();
  /** Highest event number handed to the session's socket (a late or repeated frame is dropped). */
  private readonly delivered = new Map<string, number>();
  /** Park count of a session parked here, for the local backstop timer. */
  private readonly parkCount = new Map<string, number>();
  private disposed = false;
  /** Frames arriving while a resume of the session is being taken. */
  private readonly taking = new Map<string, { seq: number; frame: string }[]>();

  constructor(
    private readonly link: Link,
    private readonly grace: number,
    private readonly expire: (entry: SessionEntry) => void,
  ) {
    super(grace, expire);
  }

  override get size(): number {
    return this.local.size;
  }

  override create(sessionId: string, key: RoomKey, userId: string, tokenExpireAt: number, conn: Attachment): SessionEntry {
    const entry = new ClusterEntry(sessionId, randomBytes(24).toString('base64url'), key, userId, tokenExpireAt, conn, this.recordAnswer);
    this.local.set(sessionId, entry);
    this.delivered.set(sessionId, 0);
    const { redis, nodeId } = this.link;
    // Sent now, on the connection the join's commit uses next: Redis has the session before the
    // room lists it, so no event for it can miss its node.
    this.link.track(
      'session create',
      Promise.all([
        redis.hset(keys.session(key, sessionId), 'n', nodeId, 'th', tokenHash(entry.resumeToken), 'u', userId, 'x', tokenExpireAt, 'q', 0),
        redis.set(keys.locator(sessionId), JSON.stringify([key.appId, key.roomId])),
        redis.sadd(keys.nodeSessions(nodeId), JSON.stringify([key.appId, key.roomId, sessionId])),
      ]),
    );
    return entry;
  }

  override get(sessionId: string): SessionEntry | undefined {
    return this.local.get(sessionId);
  }

  /** An event from outside a room change (token-will-expire, update-url): numbered in Redis too. */
  override event(sessionId: string, event: string, data: unknown): void {
    const e = this.local.get(sessionId);
    const p = (async () => {
      const key = e?.key ?? (await this.locate(sessionId));
      if (!key) return;
      await EVENT.run(this.link.redis, [keys.session(key, sessionId), keys.ring(key, sessionId)], [framePrefix(event, data), RING, keys.channel('')]);
    })();
    this.link.track('event', p);
  }

  override park(entry: SessionEntry): void {
    entry.conn = null;
    const sid = entry.sessionId;
    if (this.local.get(sid) !== entry) return;
    if (this.grace <= 0) {
      this.remove(sid);
      this.expire(entry);
      return;
    }
    const { redis, nodeId } = this.link;
    const p = (async () => {
      const pk = Number(await PARK.run(redis, [keys.session(entry.key, sid)], [nodeId]));
      if (pk === 0) return; // resumed elsewhere or kicked meanwhile
      this.parkCount.set(sid, pk);
      const ref: ParkedRef = [entry.key.appId, entry.key.roomId, sid, `p${pk}`];
      await redis.zadd(keys.parked, Date.now() + this.grace, JSON.stringify(ref));
      await redis.srem(keys.nodeSessions(nodeId), JSON.stringify([entry.key.appId, entry.key.roomId, sid]));
    })();
    this.link.track('park', p);
    // Backstop: if the park never reached Redis (Redis away), this node still ends the session
    // when the grace period is over, through the same exactly-once claim.
    clearTimeout(entry.graceTimer);
    entry.graceTimer = setTimeout(() => {
      if (this.local.get(sid) !== entry || entry.conn) return;
      this.local.delete(sid);
      this.delivered.delete(sid);
      const pk = this.parkCount.get(sid);
      this.parkCount.delete(sid);
      this.reapUntilDone([entry.key.appId, entry.key.roomId, sid, pk ? `p${pk}` : `n${nodeId}`]);
    }, this.grace);
    entry.graceTimer.unref?.();
  }

  /** Claims and ends a session, again every second while Redis cannot be reached (never left behind). */
  private reapUntilDone(ref: ParkedRef): void {
    const p = this.reap(ref).catch((e: unknown) => {
      if (!this.disposed) setTimeout(() => this.reapUntilDone(ref), 1000).unref?.();
      throw e;
    });
    this.link.track('grace end', p);
  }

  /** The node is stopping: parks every session a socket here still holds. */
  parkAll(): void {
    for (const e of [...this.local.values()]) if (e.conn) this.park(e);
  }

  override remove(sessionId: string, replaced = false): SessionEntry | undefined {
    const e = this.local.get(sessionId);
    if (e) {
      this.local.delete(sessionId);
      clearTimeout(e.graceTimer);
    }
    this.delivered.delete(sessionId);
    this.parkCount.delete(sessionId);
    if (!e) return undefined;
    const { redis, nodeId } = this.link;
    const member = JSON.stringify([e.key.appId, e.key.roomId, sessionId]);
    if (replaced) {
      // The commit that kicked it marked it in Redis (a resume hears KICKED for a grace period).
      this.link.track('kicked', Promise.all([redis.pexpire(keys.locator(sessionId), Math.max(1, this.grace)), redis.srem(keys.nodeSessions(nodeId), member)]));
    } else {
      this.link.track(
        'session end',
        Promise.all([
          redis.del(keys.session(e.key, sessionId), keys.ring(e.key, sessionId), keys.answers(e.key, sessionId)),
          redis.del(keys.locator(sessionId)),
          redis.srem(keys.nodeSessions(nodeId), member),
        ]),
      );
    }
    return e;
  }

  override async take(sessionId: string, token: string, lastSeq: number, conn: Attachment): Promise<TakeResult> {
    const none: TakeResult = { ok: false, code: CODES.NOT_IN_ROOM, reason: 'no session to resume; join again' };
    const key = await this.locate(sessionId);
    if (!key) return none;
    const buffered: { seq: number; frame: string }[] = [];
    this.taking.set(sessionId, buffered);
    const done = (): void => {
      if (this.taking.get(sessionId) === buffered) this.taking.delete(sessionId);
    };
    let r: unknown[];
    let tokenExpireAt: number | undefined;
    let inherited: Map<number, Answer> | undefined;
    try {
      r = (await RESUME.run(
        this.link.redis,
        [keys.session(key, sessionId), keys.ring(key, sessionId)],
        [tokenHash(token), lastSeq, this.link.nodeId, keys.channel('')],
      )) as unknown[];
      if (Number(r[0]) === 1) {
        // updateToken on the old node moved the expiry in the room record, not in the session hash;
        // the answers it gave are in Redis for requests the client resends.
        [tokenExpireAt, inherited] = await Promise.all([
          this.link.memberExpiry(key, String(r[2]), sessionId).catch(() => undefined),
          this.local.has(sessionId) ? undefined : this.loadAnswers(key, sessionId),
        ]);
      }
    } catch (e) {
      done();
      throw e;
    }
    // From here on nothing awaits: frames that came meanwhile are merged below, later ones go to the socket.
    done();
    const status = Number(r[0]);
    if (status === 2) return { ok: false, code: CODES.KICKED, reason: 'the session was taken over by a newer join' };
    if (status === 3) return { ok: false, code: CODES.INVALID_PARAMS, reason: `lastSeq ${lastSeq} is ahead of the session (${String(r[1])})` };
    if (status === 4) return { ok: false, code: CODES.NOT_IN_ROOM, reason: 'too many events were missed; join again' };
    if (status !== 1) return none;
    const seq = Number(r[1]);
    const userId = String(r[2]);
    tokenExpireAt ??= Number(r[3]);
    const replay = (r.slice(4) as string[]).map(String);
    let entry = this.local.get(sessionId);
    const previous = entry?.conn ?? null;
    if (!entry || entry.resumeToken !== token) {
      const fresh = new ClusterEntry(sessionId, token, key, userId, tokenExpireAt, conn, this.recordAnswer);
      fresh.inherited = inherited;
      entry = fresh;
      this.local.set(sessionId, entry);
    }
    clearTimeout(entry.graceTimer);
    entry.graceTimer = undefined;
    entry.conn = conn;
    this.parkCount.delete(sessionId);
    if (previous && previous !== conn) previous.evict();
    let last = seq;
    for (const b of buffered) {
      if (b.seq > last) {
        replay.push(b.frame);
        last = b.seq;
      }
    }
    this.delivered.set(sessionId, last);
    this.link.track('resume', this.link.redis.sadd(keys.nodeSessions(this.link.nodeId), JSON.stringify([key.appId, key.roomId, sessionId])));
    return { ok: true, entry, replay };
  }

  /** Media requests from other nodes ('m': id, from, JSON) and their answers ('a'). */
  onMedia: ((kind: 'm' | 'a', id: string, from: string, body: string) => void) | undefined;

  /** One message from this node's channel: events, kicks and evictions, in commit order. */
  onMessage(message: string): void {
    for (const item of message.split('\x1e')) {
      const a = item.indexOf('\n');
      const b = item.indexOf('\n', a + 1);
      const c = item.indexOf('\n', b + 1);
      if (a < 0 || b < 0 || c < 0) continue;
      const kind = item.slice(0, a);
      const sid = item.slice(a + 1, b);
      const third = item.slice(b + 1, c);
      const seq = Number(third);
      const rest = item.slice(c + 1);
      if (kind === 'e') this.deliver(sid, seq, rest);
      else if (kind === 'm' || kind === 'a') this.onMedia?.(kind, sid, third, rest);
      else if (kind === 'k') {
        let code: number = CODES.KICKED;
        let reason = 'kicked';
        try {
          ({ code, reason } = JSON.parse(rest) as { code: number; reason: string });
        } catch {
          /* keep the defaults */
        }
        const e = this.remove(sid, true);
        (e?.conn as { kick?: (code: number, reason: string) => void } | null | undefined)?.kick?.(code, reason);
      } else if (kind === 'v') {
        // Resumed on another node: this socket (stalled, not yet noticed gone) lets go.
        const e = this.local.get(sid);
        if (!e) continue;
        this.local.delete(sid);
        this.delivered.delete(sid);
        clearTimeout(e.graceTimer);
        const conn = e.conn;
        e.conn = null;
        conn?.evict();
      }
    }
  }

  private deliver(sid: string, seq: number, frame: string): void {
    const pending = this.taking.get(sid);
    if (pending) {
      pending.push({ seq, frame });
      return;
    }
    const e = this.local.get(sid);
    if (!e?.conn) return;
    if (seq <= (this.delivered.get(sid) ?? 0)) return;
    this.delivered.set(sid, seq);
    e.conn.deliver(frame);
  }

  /** After this node's channel was down: hands each attached session what it missed meanwhile. */
  async catchUp(): Promise<void> {
    const redis = this.link.redis;
    for (const [sid, e] of this.local) {
      if (!e.conn) continue;
      const got = this.delivered.get(sid) ?? 0;
      const q = Number((await redis.hget(keys.session(e.key, sid), 'q')) ?? 0);
      if (q <= got) continue;
      const frames = await redis.lrange(keys.ring(e.key, sid), -(q - got), -1);
      let seq = q - frames.length;
      for (const f of frames) this.deliver(sid, ++seq, f);
    }
  }

  /**
   * Claims a parked (or dead node's) session and ends it, exactly once across the cluster: the
   * others in the room hear peer-leave {reason: 'timeout'}. False when it was resumed meanwhile.
   */
  async reap(ref: ParkedRef): Promise<boolean> {
    const [appId, roomId, sid, tag] = ref;
    const key = { appId, roomId };
    const redis = this.link.redis;
    const user = (await REAP.run(redis, [keys.session(key, sid)], [tag])) as string | null;
    if (user === null || user === undefined) return false;
    const entry = this.local.get(sid) ?? new SessionEntry(sid, '', key, String(user), 0, noAttachment);
    entry.conn = null;
    this.local.delete(sid);
    this.delivered.delete(sid);
    await Promise.all([redis.del(keys.session(key, sid), keys.ring(key, sid), keys.answers(key, sid)), redis.del(keys.locator(sid))]);
    this.expire(entry);
    this.confirmGone(entry, 1);
    return true;
  }

  /**
   * The claim is taken, but the leave it starts may still fail (Redis gone that very moment):
   * look again later and leave again while the member still has this session (a leave of a
   * session that is gone changes nothing).
   */
  private confirmGone(entry: SessionEntry, attempt: number): void {
    if (attempt > 30 || this.disposed) return;
    const t = setTimeout(() => {
      this.link.memberExpiry(entry.key, entry.userId, entry.sessionId).then(
        (still) => {
          if (still === undefined) return;
          this.expire(entry);
          this.confirmGone(entry, attempt + 1);
        },
        () => this.confirmGone(entry, attempt + 1),
      );
    }, 1000 * attempt);
    t.unref?.();
  }

  private readonly recordAnswer = (e: ClusterEntry, id: number, answer: Answer): void => {
    const k = keys.answers(e.key, e.sessionId);
    this.link.track(
      'answer',
      this.link.redis
        .pipeline()
        .rpush(k, JSON.stringify([id, answer]))
        .ltrim(k, -ANSWERS_KEPT, -1)
        .exec(),
    );
  };

  private async loadAnswers(key: RoomKey, sessionId: string): Promise<Map<number, Answer>> {
    const out = new Map<number, Answer>();
    for (const raw of await this.link.redis.lrange(keys.answers(key, sessionId), 0, -1)) {
      try {
        const [id, a] = JSON.parse(raw) as [number, Answer];
        out.set(id, a);
      } catch {
        /* skip */
      }
    }
    return out;
  }

  private async locate(sessionId: string): Promise<RoomKey | undefined> {
    const raw = await this.link.redis.get(keys.locator(sessionId));
    if (!raw) return undefined;
    try {
      const [appId, roomId] = JSON.parse(raw) as [string, string];
      return { appId, roomId };
    } catch {
      return undefined;
    }
  }

  override dispose(): void {
    this.disposed = true;
    for (const e of this.local.values()) clearTimeout(e.graceTimer);
    this.local.clear();
    this.delivered.clear();
    this.taking.clear();
  }
}
