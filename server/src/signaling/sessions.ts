// A session outlives its socket by a grace period: a dropped socket parks it, a `resume` from a
// new socket takes it back, and the others in the room never notice. Every event is numbered and
// kept in its room's log (room-log.ts) with who heard it, so a resume replays what the old socket
// may never have delivered; recent answers are kept by request id, so a request resent after a resume is
// answered again instead of applied twice.
import { timingSafeEqual } from 'node:crypto';
import { CODES, type Failure, type Result } from '../codes.js';
import { roomKeyString, type RoomKey } from '../rooms/model.js';
import { StableMap } from '../rooms/stable-map.js';
import { randomText } from './random-text.js';
import { RoomLog } from './room-log.js';

/**
 * A request's answer, kept for resent requests. It is the response frame's own shape (nested
 * `error`, see @mprtc/protocol) rather than a {@link Result}, because it is sent as is.
 */
export type Answer = { ok: true; data: unknown } | { ok: false; error: Failure };

/** The socket side of a session. */
export interface Attachment {
  /** Sends an event frame now, or after the pending join/resume answer. */
  deliver(frame: string): void;
  /** Another socket resumed the session: close without leaving the room. */
  evict(): void;
}

/** Events a room keeps for its members' resumes; a client further behind joins afresh. */
const LOG = 512;
/** Answers kept for resent requests (a client has at most a few in flight). */
const ANSWERS = 128;

export class SessionEntry {
  /**
   * The session's place in its room's log (set by the in-memory registry; a registry that keeps
   * events elsewhere, cluster/, leaves it unset): its slot, the room seq when it got the slot,
   * and the seq of the last event it was sent (0: none yet).
   */
  log: RoomLog | undefined;
  slot = 0;
  start = 0;
  sent = 0;
  private answersMade: Map<number, { from: Attachment; answer: Answer | Promise<Answer> }> | undefined;
  conn: Attachment | null;
  graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly sessionId: string,
    readonly resumeToken: string,
    readonly key: RoomKey,
    readonly userId: string,
    /** Moved by updateToken. */
    public tokenExpireAt: number,
    conn: Attachment,
  ) {
    this.conn = conn;
  }

  /** Answers by request id, made at the first look: many sessions send no request for long. */
  get answers(): Map<number, { from: Attachment; answer: Answer | Promise<Answer> }> {
    return (this.answersMade ??= new Map());
  }

  /**
   * The answer to request `id`. An id first seen on an earlier socket of the session is a resend
   * after a resume: it gets the first answer, not a second application. On the same socket an id
   * may be reused once answered (the protocol only asks ids to be unique among pending requests).
   */
  answer(id: number, from: Attachment, work: () => Answer | Promise<Answer>): Answer | Promise<Answer> {
    const answers = this.answers;
    const seen = answers.get(id);
    if (seen && seen.from !== from) return seen.answer;
    const answer = work();
    answers.delete(id);
    answers.set(id, { from, answer });
    if (answers.size > ANSWERS) answers.delete(answers.keys().next().value as number);
    return answer;
  }
}

export type TakeResult = Result<{ entry: SessionEntry; replay: string[] }>;

export class SessionRegistry {
  private readonly live = new Map<string, SessionEntry>();
  /** Sessions replaced by a newer join, remembered for a grace period so a resume hears KICKED. */
  private readonly replaced = new Map<string, { token: string; timer: NodeJS.Timeout }>();
  /**
   * Each room's event log, while the room has a session here. A StableMap: a small room that
   * empties and fills again and again must not slow its own lookups (see rooms/stable-map.ts).
   */
  private readonly logs = new StableMap<RoomLog>();

  constructor(
    private readonly graceMs: number,
    /** The grace period ran out: the session really leaves. */
    private readonly onExpire: (entry: SessionEntry) => void,
  ) {}

  get size(): number {
    return this.live.size;
  }

  create(sessionId: string, key: RoomKey, userId: string, tokenExpireAt: number, conn: Attachment): SessionEntry {
    const entry = new SessionEntry(sessionId, resumeSecret(), key, userId, tokenExpireAt, conn);
    const k = roomKeyString(key);
    let log = this.logs.get(k);
    if (!log) this.logs.set(k, (log = new RoomLog(LOG)));
    entry.log = log;
    entry.slot = log.seat();
    entry.start = log.seq;
    this.live.set(sessionId, entry);
    return entry;
  }

  get(sessionId: string): SessionEntry | undefined {
    return this.live.get(sessionId);
  }

  /**
   * Keeps the event in the room's log for a resume, and sends it if a socket holds the session.
   * A room event reaches its members in consecutive calls with the same data object (the room ops
   * build a fresh one per event and never change it): one log entry, one frame string for all.
   */
  event(sessionId: string, event: string, data: unknown): void {
    const e = this.live.get(sessionId);
    if (!e?.log) return;
    const frame = e.log.record(e.slot, Math.max(e.start, e.sent), event, data);
    e.sent = e.log.seq;
    e.conn?.deliver(frame);
  }

  /** The socket is gone: keep the session for the grace period (or end it now without one). */
  park(entry: SessionEntry): void {
    entry.conn = null;
    if (this.live.get(entry.sessionId) !== entry) return;
    if (this.graceMs <= 0) {
      this.remove(entry.sessionId);
      this.onExpire(entry);
      return;
    }
    clearTimeout(entry.graceTimer);
    entry.graceTimer = setTimeout(() => {
      if (this.live.get(entry.sessionId) !== entry || entry.conn) return;
      this.remove(entry.sessionId);
      this.onExpire(entry);
    }, this.graceMs);
  }

  /** The session ended (leave, token expiry, grace over); `replaced` when a newer join took it. */
  remove(sessionId: string, replaced = false): SessionEntry | undefined {
    const e = this.live.get(sessionId);
    if (!e) return undefined;
    this.live.delete(sessionId);
    clearTimeout(e.graceTimer);
    if (e.log?.unseat(e.slot)) this.logs.delete(roomKeyString(e.key));
    e.log = undefined;
    if (replaced && this.graceMs > 0) {
      const timer = setTimeout(() => this.replaced.delete(sessionId), this.graceMs);
      this.replaced.set(sessionId, { token: e.resumeToken, timer });
    }
    return e;
  }

  /**
   * A resume: the secret must match; the events the session was sent after `lastSeq` must still
   * be in the room's log (those before its start were never its own). In one
   * process the answer is at hand; a registry shared through Redis (cluster/) answers later.
   */
  take(sessionId: string, token: string, lastSeq: number, conn: Attachment): TakeResult | Promise<TakeResult> {
    const gone = this.replaced.get(sessionId);
    if (gone && same(gone.token, token)) return { ok: false, code: CODES.KICKED, reason: 'the session was taken over by a newer join' };
    const e = this.live.get(sessionId);
    // One answer for unknown, ended and wrong-secret sessions: no oracle for guessing.
    if (!e || !same(e.resumeToken, token)) return { ok: false, code: CODES.NOT_IN_ROOM, reason: 'no session to resume; join again' };
    if (lastSeq > e.sent) return { ok: false, code: CODES.INVALID_PARAMS, reason: `lastSeq ${lastSeq} is ahead of the session (${e.sent})` };
    const from = Math.max(lastSeq, e.start) + 1;
    const log = e.log!;
    if (log.goneSince(e.slot, from)) return { ok: false, code: CODES.NOT_IN_ROOM, reason: 'too many events were missed; join again' };
    const previous = e.conn;
    clearTimeout(e.graceTimer);
    e.graceTimer = undefined;
    e.conn = conn;
    if (previous && previous !== conn) previous.evict();
    return { ok: true, entry: e, replay: log.framesFor(e.slot, from, e.sent) };
  }

  dispose(): void {
    for (const e of this.live.values()) clearTimeout(e.graceTimer);
    for (const r of this.replaced.values()) clearTimeout(r.timer);
    this.live.clear();
    this.replaced.clear();
    this.logs.clear();
  }
}

/** A resume secret: 192 random bits. */
const resumeSecret = (): string => randomText(24);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
