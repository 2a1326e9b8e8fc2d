// One client socket: parses frames, answers each request exactly once and in order, relays
// room events to its session, and keeps the socket's deadlines (join and idle, checked by the
// server's sweep: sweep.ts) and token timers. The session itself (sessions.ts) may outlive the
// socket for a grace period and be resumed.
import type { RawData, WebSocket } from 'ws';
import { PROTOCOL_VERSION, type Request } from '@mprtc/protocol';
import { CODES, type Result } from '../codes.js';
import { reportFault, type ServerEvents } from '../ops/events.js';
import { observed } from '../ops/observe.js';
import type { ResolvedConfig } from '../config.js';
import type { ReportStore } from '../reports/store.js';
import type { Outcome } from '../rooms/effects.js';
import type { JoinData } from '../rooms/ops.js';
import type { Maybe, RoomService } from '../rooms/service.js';
import { verifyToken } from '../token/index.js';
import { limitKey } from './client-address.js';
import { randomText } from './random-text.js';
import { depthWithin, peekId } from './frame-guard.js';
import { isPlainPing, pongFrame } from './ping.js';
import { debtMs, refilled, type RateLimiter } from './rate-limit.js';
import type { Answer, Attachment, SessionEntry, SessionRegistry } from './sessions.js';
import type { Deadlines } from './sweep.js';
import { at, type Cancel } from './timers.js';
import { isUnavailable } from '../store/errors.js';
import { parseFrame, reportItems } from './validate.js';
import { enqueueFrame, noteRequest, writeFrames, type Outbox } from './write-batch.js';
import type { Socket } from 'node:net';

/** Close codes the server uses (4000-4999 are the application's). */
export const CLOSE = {
  IDLE: 4000,
  KICKED: 4001,
  TOKEN_EXPIRED: 4002,
  JOIN_TIMEOUT: 4003,
  /** The session was resumed from another socket. */
  RESUMED_ELSEWHERE: 4004,
  /** The client does not read: its unsent data passed sendBufferBytes. Its session is parked. */
  SLOW_CONSUMER: 4005,
  /** The client kept sending past its message rate after RATE_LIMITED answers. Session parked. */
  FLOOD: 4006,
  SHUTDOWN: 1001,
} as const;

export interface ClientSocketContext {
  config: ResolvedConfig;
  rooms: RoomService;
  reports: ReportStore;
  joinLimiter: RateLimiter;
  /** Token refusals per `${appId}\n${userId}`: a guesser spends the budget of the id it targets. */
  tokenRefusals: RateLimiter;
  sessions: SessionRegistry;
  /** The sockets' join and idle deadlines, for the server's sweep (sweep.ts). */
  deadlines: Deadlines;
  /** The operators' event bus (logs, metrics): each answered request is told to it. */
  events?: ServerEvents;
  /** The ws socket closed (after the socket's own cleanup): the server forgets it. */
  onSocketClose?: (conn: ClientSocket, code: number) => void;
}

const ok = (data: unknown = {}): Answer => ({ ok: true, data });
const no = (code: number, reason: string): Answer => ({ ok: false, error: { code, reason } });
const answerOf = (o: Result<{ data: unknown }>): Answer => (o.ok ? ok(o.data) : no(o.code, o.reason));
const answerNowOrLater = (o: Maybe<Result<{ data: unknown }>>): Maybe<Answer> => (o instanceof Promise ? o.then(answerOf) : answerOf(o));

/** The ClientSocket a ws socket belongs to, for listeners shared by all sockets (no closures per socket). */
const OWNER = Symbol('ClientSocket');
type Owned = WebSocket & { [OWNER]: ClientSocket };
/** A request queue with nothing in it: one settled promise for every socket that has not queued yet. */
const SETTLED: Promise<void> = Promise.resolve();
const ignore = (): void => {
  /* 'close' follows a ws 'error'; nothing a client sends may throw out of here */
};

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class ClientSocket implements Attachment, Outbox {
  /** The session this socket joined or resumed; kept after close so queued requests still apply. */
  private session: SessionEntry | null = null;
  /** While a join or resume is in flight, events for the session wait until its response is out. */
  private holding = false;
  /** Made when the first event is held (most sockets never hold one). */
  private held: string[] | null = null;
  private queue: Promise<void> = SETTLED;
  private pending = 0;
  private closed = false;
  /** Since when the socket is out of a room (connected, or left): the join deadline counts from it. */
  private joinFrom: number;
  /** The socket's place in the sweep's deadlines (sweep.ts), which get a copy of both deadlines. */
  private readonly slot: number;
  /** When the last frame came: the idle deadline counts from it. */
  private lastHeard: number;
  private tokenTimers: Cancel[] | undefined;
  // Three token buckets as plain numbers on one clock (a server holds tens of thousands of sockets):
  // frames this socket may send (messageRate) and refusals it may draw before it is closed (the
  // same rate); bytes it may send (byteRate), in debt the socket is not read until it refills.
  private frameTokens: number;
  private strikeTokens: number;
  private byteTokens: number;
  private refilledAt: number;
  private readTimer: NodeJS.Timeout | undefined;
  /** Closed by the server for abuse (4005, 4006): nothing more is read or sent. */
  private shed = false;
  /** Frames sent this turn of the event loop, written together at its end (write-batch.ts). */
  outgoing: string[] | null = null;

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under ws: this turn's frames are written to it in one go (write-batch.ts). */
    private readonly raw: Socket,
    readonly ip: string,
    private readonly ctx: ClientSocketContext,
  ) {
    this.frameTokens = this.strikeTokens = ctx.config.messageRate.burst;
    this.byteTokens = ctx.config.byteRate.burst;
    const now = Date.now();
    this.refilledAt = this.joinFrom = this.lastHeard = now;
    this.slot = ctx.deadlines.add(this, now + ctx.config.idleTimeoutMs, now + ctx.config.joinTimeoutMs);
    (ws as Owned)[OWNER] = this;
    ws.on('message', ClientSocket.onWsMessage);
    ws.on('close', ClientSocket.onWsClose);
    ws.on('error', ignore);
  }

  private static onWsMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    (this as Owned)[OWNER].onMessage(data, isBinary);
  }

  private static onWsClose(this: WebSocket, code: number): void {
    const conn = (this as Owned)[OWNER];
    clearTimeout(conn.readTimer);
    conn.ctx.deadlines.remove(conn.slot);
    conn.onClose();
    conn.ctx.onSocketClose?.(conn, code);
  }

  /** True while this socket holds a session in a room. */
  private get attached(): boolean {
    return this.session !== null && this.session.conn === this;
  }

  // ---- called through the session registry ----

  deliver(frame: string): void {
    if (this.holding) (this.held ??= []).push(frame);
    else this.sendRaw(frame);
  }

  /** Replaced by a newer join of the same user: say why, forget the session, close. */
  kick(code: number, reason: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'event', event: 'disconnect', data: { code, reason } });
    this.release();
    this.close(CLOSE.KICKED, 'kicked');
  }

  evict(): void {
    this.release();
    this.close(CLOSE.RESUMED_ELSEWHERE, 'resumed on another connection');
  }

  close(code: number, reason: string): void {
    this.flushHeld();
    // The close frame ws writes must follow what this turn already sent.
    this.flush();
    if (!this.closed) this.ws.close(code, reason);
  }

  /** Cuts the socket without a closing handshake (one that did not finish it in time). */
  terminate(): void {
    this.ws.terminate();
  }

  // ---- frames ----

  private onMessage(data: RawData, isBinary: boolean): void {
    try {
      this.handleFrame(data, isBinary);
    } catch (e) {
      // Nothing a client sends may take the server down; say so and carry on.
      reportFault(this.ctx.events, 'frame handling failed', e);
      this.sendError(CODES.SERVER_ERROR, 'the server failed to handle the frame');
    }
  }

  private handleFrame(data: RawData, isBinary: boolean): void {
    const bytes = toBuffer(data);
    const now = Date.now();
    this.refill(now);
    // Even a socket being closed for abuse is read at the byte rate only, until its close reply.
    this.throttle(bytes.length);
    if (this.shed) return;
    // Every frame counts as a sign of life.
    this.lastHeard = now;
    this.ctx.deadlines.setIdleDue(this.slot, now + this.ctx.config.idleTimeoutMs);
    if (this.frameTokens < 1) return this.overRate(bytes);
    this.frameTokens -= 1;
    if (isBinary) return this.sendError(CODES.PROTOCOL_ERROR, 'binary frames are not part of the protocol');
    // Size and depth are checked on the raw bytes: a refused frame is never decoded or parsed,
    // yet still answered on its id when a cheap look finds one.
    const { maxFrameBytes, maxFrameDepth } = this.ctx.config;
    if (bytes.length > maxFrameBytes) return this.refuseUnparsed(bytes, 'frame-size', `frame of ${bytes.length} bytes exceeds the limit of ${maxFrameBytes}`);
    // The heartbeat as the SDK writes it is answered from its bytes (one object deep, and
    // maxFrameDepth is at least 1); any other ping is parsed.
    if (isPlainPing(bytes)) return this.sendPong(pongFrame(bytes));
    if (!depthWithin(bytes, maxFrameDepth)) return this.refuseUnparsed(bytes, 'frame-depth', `frame nests objects or arrays deeper than ${maxFrameDepth}`);
    const parsed = parseFrame(bytes.toString('utf8'));
    switch (parsed.kind) {
      case 'ping':
        return this.send({ v: PROTOCOL_VERSION, type: 'pong', t: parsed.t });
      case 'refused':
        if (parsed.id === null) return this.sendError(parsed.code, parsed.reason);
        return this.enqueue(
          parsed.id,
          null,
          this.observed(null, async () => no(parsed.code, parsed.reason)),
        );
      case 'request': {
        noteRequest();
        return this.enqueue(
          parsed.id,
          parsed.request.type,
          this.observed(parsed.request, () => this.dispatch(parsed.request)),
        );
      }
    }
  }

  /** The work of one request, timed and told to the operators' event bus (never its token). */
  private observed(req: Request | null, work: () => Maybe<Answer>): () => Maybe<Answer> {
    return observed(this.ctx.events, this.ip, req, () => (this.session ? { ...this.session.key, userId: this.session.userId } : undefined), work);
  }

  /**
   * Reading (unmasking, UTF-8 checks, our scans) costs per byte, refused frame or not: past the
   * byte budget the socket is not read until it is paid back, and the sender's TCP window fills.
   */
  private throttle(n: number): void {
    this.byteTokens -= n;
    if (this.byteTokens >= 0 || this.readTimer !== undefined) return;
    this.ws.pause();
    this.ctx.events?.emit({ type: 'limit', limit: 'byte-rate', ip: this.ip });
    this.resumeAfter(debtMs(this.byteTokens, this.ctx.config.byteRate.perSecond));
  }

  /** Refills the three buckets for the time since the last refill. */
  private refill(now: number): void {
    const ms = now - this.refilledAt;
    this.refilledAt = now;
    // A clock set back refills nothing (rather than draining the buckets).
    if (ms <= 0) return;
    const { messageRate, byteRate } = this.ctx.config;
    this.frameTokens = refilled(this.frameTokens, ms, messageRate.perSecond, messageRate.burst);
    this.strikeTokens = refilled(this.strikeTokens, ms, messageRate.perSecond, messageRate.burst);
    this.byteTokens = refilled(this.byteTokens, ms, byteRate.perSecond, byteRate.burst);
  }

  private resumeAfter(ms: number): void {
    this.readTimer = setTimeout(() => {
      // Frames ws had read before the pause still arrived meanwhile: wait out their debt too.
      this.refill(Date.now());
      const still = debtMs(this.byteTokens, this.ctx.config.byteRate.perSecond);
      if (still > 0) return this.resumeAfter(still);
      this.readTimer = undefined;
      this.ws.resume();
    }, ms);
  }

  private refuseUnparsed(bytes: Buffer, limit: 'frame-size' | 'frame-depth', reason: string): void {
    this.ctx.events?.emit({ type: 'limit', limit, ip: this.ip });
    const id = peekId(bytes);
    if (id === null) return this.sendError(CODES.PROTOCOL_ERROR, reason);
    return this.enqueue(id, null, async () => no(CODES.PROTOCOL_ERROR, reason));
  }

  /** A frame over the message rate: refused at once, unparsed; a client that keeps on is closed. */
  private overRate(bytes: Buffer): void {
    if (this.strikeTokens < 1) return this.drop(CLOSE.FLOOD, 'message-rate', 'message rate exceeded');
    this.strikeTokens -= 1;
    const error = { code: CODES.RATE_LIMITED, reason: `more than ${this.ctx.config.messageRate.perSecond} frames per second; slow down` };
    const id = peekId(bytes);
    if (id === null) this.send({ v: PROTOCOL_VERSION, type: 'error', error });
    else this.send({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error });
  }

  /**
   * Requests run one at a time per socket, so answers and state changes keep the client's order.
   * A session's requests are answered once per id: one resent after a resume gets the same answer.
   * `type`: the request's (null: a frame refused unparsed).
   */
  private enqueue(id: number, type: Request['type'] | null, work: () => Maybe<Answer>): void {
    if (this.pending >= this.ctx.config.maxPendingRequests) {
      // A client flooding requests gets refusals at once instead of an ever longer queue.
      const error = { code: CODES.RATE_LIMITED, reason: `more than ${this.ctx.config.maxPendingRequests} requests in flight` };
      return this.send({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error });
    }
    this.pending++;
    // With nothing in flight the request starts now, not a microtask later, and one that needs
    // no wait (one process: a join, a leave, a mute) is answered before this frame's callback
    // returns. (Methods, not closures: the server runs through tsx, whose keepNames names every
    // closure it creates.)
    if (this.queue !== SETTLED) this.queue = this.queue.then(() => this.run(id, type, work));
    else {
      const later = this.run(id, type, work);
      if (later) this.queue = later;
    }
  }

  /** Runs a request; a promise only when its answer has to be waited for. */
  private run(id: number, type: Request['type'] | null, work: () => Maybe<Answer>): Promise<void> | undefined {
    this.pending--;
    const sessionBound = type !== null && type !== 'join' && type !== 'resume';
    let answer: Maybe<Answer>;
    try {
      const s = this.session;
      answer = sessionBound && s ? s.answer(id, this, work) : work();
    } catch (e) {
      answer = this.failed(e);
    }
    // A join's, resume's or leave's answer goes before what the request made for others: the
    // client waits on it to go on (to start, or to join elsewhere). Any other request's (a mute, a
    // publish) goes after, so the room hears the change first (write-batch.ts).
    const othersFirst = sessionBound && type !== 'leave';
    if (!(answer instanceof Promise)) return this.answered(id, answer, othersFirst);
    return answer.then(
      (a) => this.answered(id, a, othersFirst),
      (e: unknown) => this.answered(id, this.failed(e), othersFirst),
    );
  }

  private failed(e: unknown): Answer {
    // Redis away (a cluster node): a documented code to retry on; the node logs the outage once.
    if (isUnavailable(e)) return no(CODES.SERVICE_UNAVAILABLE, 'the server cannot reach its shared state; try again shortly');
    reportFault(this.ctx.events, 'request failed', e);
    return no(CODES.SERVER_ERROR, 'the server failed to handle the request');
  }

  private answered(id: number, answer: Answer, othersFirst: boolean): undefined {
    // The frame's fixed part is written out (id is a validated integer): only the answer is serialized.
    const text = answer.ok
      ? `{"v":${PROTOCOL_VERSION},"type":"response","id":${id},"ok":true${answer.data === undefined ? '' : `,"data":${JSON.stringify(answer.data)}`}}`
      : `{"v":${PROTOCOL_VERSION},"type":"response","id":${id},"ok":false,"error":${JSON.stringify(answer.error)}}`;
    this.sendRaw(text, true, othersFirst);
    this.flushHeld();
    // Nothing queued behind this request: drop the chain (48 B per socket that made a request).
    if (this.pending === 0) this.queue = SETTLED;
    return undefined;
  }

  private dispatch(req: Request): Maybe<Answer> {
    if (req.type === 'leave') return this.leave();
    if (req.type !== 'join' && req.type !== 'resume') return this.inSession(req);
    if (this.closed) return no(CODES.NOT_IN_ROOM, 'the connection is closing');
    if (this.session) return no(CODES.ALREADY_IN_ROOM, `already in room ${this.session.key.roomId}; leave first`);
    return req.type === 'join' ? this.join(req) : this.resume(req);
  }

  private leave(): Maybe<Answer> {
    // A closed socket's queued requests still belong to its session, which may live on.
    const j = this.session;
    if (!j) return no(CODES.NOT_IN_ROOM, 'leave needs a join first');
    const r = this.ctx.rooms.leave(j.key, j.userId, j.sessionId, 'leave');
    return r instanceof Promise ? r.then((o) => this.left(j, o)) : this.left(j, r);
  }

  private left(j: SessionEntry, r: Result<{ data: unknown }>): Answer {
    this.ctx.sessions.remove(j.sessionId);
    this.ctx.reports.sessionEnded(j.key.appId, j.key.roomId, j.userId);
    this.release();
    if (!this.closed) this.armJoinTimer();
    return answerOf(r);
  }

  private inSession(req: Exclude<Request, { type: 'join' | 'resume' | 'leave' }>): Maybe<Answer> {
    // A closed socket's queued requests still belong to its session, which may live on.
    const j = this.session;
    if (!j) return no(CODES.NOT_IN_ROOM, `${req.type} needs a join first`);
    const { rooms } = this.ctx;
    switch (req.type) {
      case 'publish':
        return rooms.publish(j.key, j.userId, j.sessionId, req.screen).then(answerOf);
      case 'unpublish':
        return answerNowOrLater(rooms.unpublish(j.key, j.userId, j.sessionId, req.screen));
      case 'subscribe':
        return rooms.subscribe(j.key, j.userId, j.sessionId, { userId: req.userId, screen: req.screen, audio: req.audio, video: req.video }).then(answerOf);
      case 'unsubscribe':
        return answerNowOrLater(rooms.unsubscribe(j.key, j.userId, j.sessionId, req.userId, req.screen));
      case 'muteLocal':
        return answerNowOrLater(rooms.muteLocal(j.key, j.userId, j.sessionId, req.audio, req.video));
      case 'muteRemote':
        return answerNowOrLater(rooms.muteRemote(j.key, j.userId, j.sessionId, { userId: req.userId, screen: req.screen, audio: req.audio, video: req.video }));
      case 'setVisibility':
        return answerNowOrLater(rooms.setVisibility(j.key, j.userId, j.sessionId, req.visible));
      case 'updateToken':
        return this.updateToken(j, req.token);
      case 'report': {
        const items = reportItems(req.items);
        this.ctx.reports.add(j.key.appId, j.key.roomId, j.userId, items);
        return ok({ accepted: items.length });
      }
    }
  }

  private join(req: Extract<Request, { type: 'join' }>): Maybe<Answer> {
    const { config, rooms, sessions, joinLimiter, tokenRefusals } = this.ctx;
    if (!joinLimiter.take(limitKey(this.ip))) return no(CODES.RATE_LIMITED, 'too many joins from this address; try again later');
    const appKey = config.apps.get(req.appId);
    if (appKey === undefined) return no(CODES.APP_UNKNOWN, `unknown appId ${req.appId}`);
    // Refused tokens are counted per user id, not per address: behind a shared proxy address a
    // guesser spends the budget of the id it guesses for, and other users keep joining.
    const userKey = `${req.appId}\n${req.userId}`;
    if (tokenRefusals.spent(userKey)) {
      this.ctx.events?.emit({ type: 'limit', limit: 'token-refusals', ip: this.ip });
      return no(CODES.RATE_LIMITED, 'too many refused tokens for this user id; try again later');
    }
    const v = verifyToken(req.token, { appKey, appId: req.appId, roomId: req.roomId, userId: req.userId });
    if (!v.ok) {
      tokenRefusals.take(userKey);
      return no(v.code, v.reason);
    }

    const key = { appId: req.appId, roomId: req.roomId };
    // 128 random bits: unique across the nodes of a cluster (it is no secret; the resume token is).
    const sessionId = randomText(16);
    const entry = sessions.create(sessionId, key, req.userId, v.token.expireAt, this);
    this.holding = true;
    let r: Maybe<Outcome<JoinData>>;
    try {
      r = rooms.join(key, {
        userId: req.userId,
        sessionId,
        visible: req.visible,
        businessId: req.businessId ?? null,
        tokenExpireAt: v.token.expireAt,
        privileges: v.token.privileges,
      });
    } catch (e) {
      sessions.remove(sessionId);
      throw e;
    }
    if (!(r instanceof Promise)) return this.joined(entry, r);
    return r.then(
      (o) => this.joined(entry, o),
      (e: unknown) => {
        // A shared store that failed (Redis away): the session never was.
        sessions.remove(sessionId);
        throw e;
      },
    );
  }

  private joined(entry: SessionEntry, r: Outcome<JoinData>): Maybe<Answer> {
    const { rooms, sessions } = this.ctx;
    const { key, userId, sessionId, tokenExpireAt } = entry;
    if (!r.ok) {
      sessions.remove(sessionId);
      this.holding = false;
      this.held = null;
      return no(r.code, r.reason);
    }
    if (this.closed) {
      // The socket went away while joining: undo at once rather than leave a ghost behind.
      sessions.remove(sessionId);
      const gone = no(CODES.NOT_IN_ROOM, 'the connection closed during join');
      const left = rooms.leave(key, userId, sessionId, 'timeout');
      return left instanceof Promise ? left.then(() => gone) : gone;
    }
    this.session = entry;
    this.ctx.deadlines.setJoinDue(this.slot, Infinity);
    this.armTokenTimers(entry);
    return ok({ sessionId, resumeToken: entry.resumeToken, peers: r.data.peers, streams: r.data.streams, tokenExpireAt });
  }

  /**
   * A new token for the session (the app renews before TOKEN_WILL_EXPIRE runs out): it must be
   * valid and for the session's app, room and user. It moves the expiry, re-arms the warning and
   * the removal, and extends the user's media URLs; a refused one leaves the session as it was.
   */
  private async updateToken(j: SessionEntry, token: string): Promise<Answer> {
    const { config, rooms, tokenRefusals } = this.ctx;
    const userKey = `${j.key.appId}\n${j.userId}`;
    if (tokenRefusals.spent(userKey)) return no(CODES.RATE_LIMITED, 'too many refused tokens for this user id; try again later');
    const appKey = config.apps.get(j.key.appId);
    const v = appKey === undefined ? null : verifyToken(token, { appKey, appId: j.key.appId, roomId: j.key.roomId, userId: j.userId });
    if (!v?.ok) {
      tokenRefusals.take(userKey);
      if (!v) return no(CODES.APP_UNKNOWN, `unknown appId ${j.key.appId}`);
      // Its own code: the session is fine, only this token is for someone (or somewhere) else.
      if (v.code === CODES.TOKEN_MISMATCH) return no(CODES.TOKEN_RENEW_MISMATCH, `updateToken: ${v.reason}; the session keeps its token`);
      return no(v.code, `updateToken: ${v.reason}; the session keeps its token`);
    }
    const expireAt = v.token.expireAt;
    // Before any await: the old token's timers must not fire while the room is updated.
    j.tokenExpireAt = expireAt;
    if (this.session === j) this.rearmTokenTimers(j);
    const r = await rooms.renewToken(j.key, j.userId, j.sessionId, expireAt, v.token.privileges);
    return r.ok ? ok({ tokenExpireAt: expireAt }) : no(r.code, r.reason);
  }

  /** Takes a session back from a dropped (or stalled) socket; the missed events follow the answer. */
  private async resume(req: Extract<Request, { type: 'resume' }>): Promise<Answer> {
    const { sessions, joinLimiter } = this.ctx;
    // Counted like joins: guessing resume secrets is as rate limited as guessing tokens.
    if (!joinLimiter.take(limitKey(this.ip))) return no(CODES.RATE_LIMITED, 'too many joins from this address; try again later');
    // A registry shared through Redis answers asynchronously; the in-memory one at once.
    const r = await sessions.take(req.sessionId, req.resumeToken, req.lastSeq, this);
    if (!r.ok) return no(r.code, r.reason);
    const entry = r.entry;
    if (this.closed) {
      // The socket went away while the resume was being taken: park the session again.
      sessions.park(entry);
      return no(CODES.NOT_IN_ROOM, 'the connection closed during resume');
    }
    this.session = entry;
    this.ctx.deadlines.setJoinDue(this.slot, Infinity);
    this.holding = true;
    this.held = this.held ? [...r.replay, ...this.held] : r.replay;
    this.armTokenTimers(entry);
    return ok({ sessionId: entry.sessionId, tokenExpireAt: entry.tokenExpireAt, replayed: r.replay.length });
  }

  // ---- timers ----

  /** Out of a room again (a leave): the join deadline counts from now. */
  private armJoinTimer(): void {
    this.joinFrom = Date.now();
    this.noteJoinDue();
  }

  /**
   * Out of a room: the sweep's copy of the join deadline, from joinFrom. A closed socket's queued
   * leave still gets here (release), when its slot may be another socket's: it writes nothing then.
   */
  private noteJoinDue(): void {
    if (!this.closed) this.ctx.deadlines.setJoinDue(this.slot, this.joinFrom + this.ctx.config.joinTimeoutMs);
  }

  /**
   * The join and idle deadlines, looked at by the server's sweep (sweep.ts) rather than by two
   * timers per socket: a socket out of a room joinTimeoutMs after connecting or leaving is closed
   * (4003, an error frame first), one that sent nothing for idleTimeoutMs (4000).
   */
  sweep(now: number): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const { joinTimeoutMs, idleTimeoutMs } = this.ctx.config;
    if (this.session === null && now - this.joinFrom >= joinTimeoutMs) {
      this.sendError(CODES.PROTOCOL_ERROR, `no join within ${joinTimeoutMs} ms`);
      this.close(CLOSE.JOIN_TIMEOUT, 'join timeout');
    } else if (now - this.lastHeard >= idleTimeoutMs) this.close(CLOSE.IDLE, 'idle');
  }

  private armTokenTimers(entry: SessionEntry): void {
    const expireAt = entry.tokenExpireAt;
    if (expireAt === 0) return;
    const expireMs = expireAt * 1000;
    // A timer armed for a token that updateToken has replaced since (possibly through another
    // socket, racing a resume) neither warns nor removes: it re-arms for the current token.
    const stale = (): boolean => entry.tokenExpireAt !== expireAt;
    (this.tokenTimers ??= []).push(
      at(expireMs - this.ctx.config.tokenWarnBeforeMs, () => {
        if (this.session === entry && this.attached && !stale()) this.deliverEvent(entry, 'token-will-expire', { expireAt });
      }),
      // The token is still valid during its last second (expiry is "expireAt < now").
      at(expireMs + 1000, () => {
        if (stale()) return this.rearmTokenTimers(entry);
        this.expire(entry).catch((e) => reportFault(this.ctx.events, 'token expiry failed', e));
      }),
    );
  }

  private rearmTokenTimers(entry: SessionEntry): void {
    this.cancelTokenTimers();
    if (this.session === entry && this.attached) this.armTokenTimers(entry);
  }

  private deliverEvent(entry: SessionEntry, event: string, data: unknown): void {
    this.ctx.sessions.event(entry.sessionId, event, data);
  }

  private async expire(entry: SessionEntry): Promise<void> {
    if (this.session !== entry || !this.attached) return;
    this.ctx.sessions.remove(entry.sessionId);
    this.release();
    await this.ctx.rooms.leave(entry.key, entry.userId, entry.sessionId, 'token-expired');
    this.ctx.reports.sessionEnded(entry.key.appId, entry.key.roomId, entry.userId);
    this.send({ v: PROTOCOL_VERSION, type: 'event', event: 'disconnect', data: { code: CODES.TOKEN_EXPIRED, reason: 'the token expired' } });
    this.close(CLOSE.TOKEN_EXPIRED, 'token expired');
  }

  // ---- state ----

  /** Forgets the session and its timers (its room state is handled by whoever called this). */
  private release(): void {
    this.session = null;
    // Out of the room: the join deadline applies again (a leave moves it on; a kick, an expiry or an
    // eviction closes the socket anyway).
    this.noteJoinDue();
    this.cancelTokenTimers();
  }

  private cancelTokenTimers(): void {
    const timers = this.tokenTimers;
    this.tokenTimers = undefined;
    if (timers) for (const cancel of timers) cancel();
  }

  /** Closes an abusive socket at once and parks its session, as if the link had dropped. */
  private drop(code: number, limit: 'send-buffer' | 'message-rate', reason: string): void {
    if (this.shed) return;
    this.shed = true;
    this.ctx.events?.emit({ type: 'limit', limit, ip: this.ip, closed: code });
    // The close frame queues behind the unsent data; ws cuts the socket if it is not read in time.
    this.flush();
    this.ws.close(code, reason);
    this.onClose();
  }

  private onClose(): void {
    this.closed = true;
    this.cancelTokenTimers();
    this.held = null;
    this.holding = false;
    const s = this.session;
    // A dropped socket parks its session for the grace period (or leaves at once without one:
    // then the others hear peer-leave {reason: 'timeout'}). Queued requests still apply to it.
    if (s && s.conn === this) this.ctx.sessions.park(s);
  }

  private flushHeld(): void {
    this.holding = false;
    const frames = this.held;
    if (frames === null) return;
    this.held = null;
    for (const f of frames) this.sendRaw(f);
  }

  /**
   * A pong frame made from the ping's bytes (ping.ts), written at once rather than batched (a pong
   * may overtake other frames), under the same send-buffer limit as every frame.
   */
  private sendPong(frame: Buffer): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.raw.write(frame);
    this.checkSendBuffer();
  }

  private sendError(code: number, reason: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', error: { code, reason } });
  }

  private send(frame: object): void {
    this.sendRaw(JSON.stringify(frame));
  }

  /**
   * `answer`: a response, written first at the end of the turn (its requester is waiting);
   * `othersFirst`: when it answers the turn's only request, after the frames that request made.
   */
  private sendRaw(text: string, answer = false, othersFirst = false): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    enqueueFrame(this, text, answer, othersFirst);
  }

  flush(): void {
    const frames = this.outgoing;
    if (frames === null) return;
    this.outgoing = null;
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    try {
      writeFrames(this.raw, frames);
    } catch (e) {
      // The other sockets of this turn are still written (flushAll goes on); this one is cut.
      reportFault(this.ctx.events, 'writing frames failed', e);
      this.raw.destroy();
      return;
    }
    this.checkSendBuffer();
  }

  /** A client that does not read would otherwise have every answer and event queued for it. */
  private checkSendBuffer(): void {
    if (this.raw.writableLength > this.ctx.config.sendBufferBytes) this.drop(CLOSE.SLOW_CONSUMER, 'send-buffer', 'not reading');
  }
}
