// One client socket: parses frames, answers each request exactly once and in order, relays
// room events to its session, and runs the socket's timers (join, idle, token expiry).
import type { RawData, WebSocket } from 'ws';
import type { Request } from '../../../src/runtime/protocol.js';
import { CODES, type Failure } from '../codes.js';
import type { ResolvedConfig } from '../config.js';
import type { ReportStore } from '../reports/store.js';
import type { RoomKey } from '../rooms/model.js';
import type { RoomService } from '../rooms/service.js';
import { verifyToken } from '../token/index.js';
import { randomUUID } from 'node:crypto';
import type { RateLimiter } from './rate-limit.js';
import { at, type Cancel } from './timers.js';
import { PROTOCOL_VERSION, parseFrame, reportItems } from './validate.js';

/** Close codes the server uses (4000-4999 are the application's). */
export const CLOSE = {
  IDLE: 4000,
  KICKED: 4001,
  TOKEN_EXPIRED: 4002,
  JOIN_TIMEOUT: 4003,
  SHUTDOWN: 1001,
} as const;

export interface ConnectionContext {
  config: ResolvedConfig;
  rooms: RoomService;
  reports: ReportStore;
  joinLimiter: RateLimiter;
  /** sessionId -> connection, for delivering room events */
  sessions: Map<string, Connection>;
}

interface Joined {
  key: RoomKey;
  userId: string;
  sessionId: string;
  tokenExpireAt: number;
}

type Answer = { ok: true; data: unknown } | { ok: false; error: Failure };

const ok = (data: unknown = {}): Answer => ({ ok: true, data });
const no = (code: number, reason: string): Answer => ({ ok: false, error: { code, reason } });

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class Connection {
  private joined: Joined | null = null;
  /** While a join is in flight, events for the new session wait until its response is out. */
  private holding = false;
  private held: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;
  private joinTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private tokenTimers: Cancel[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly ip: string,
    private readonly ctx: ConnectionContext,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', () => {
      /* 'close' follows; nothing a client sends may throw out of here */
    });
    this.armJoinTimer();
    this.touch();
  }

  // ---- called by the room service (through the server's SessionSink) ----

  event(event: string, data: unknown): void {
    const frame = JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event, data });
    if (this.holding) this.held.push(frame);
    else this.sendRaw(frame);
  }

  /** Replaced by a newer join of the same user: say why, forget the session, close. */
  kick(code: number, reason: string): void {
    this.event('disconnect', { code, reason });
    this.detach();
    this.close(CLOSE.KICKED, 'kicked');
  }

  close(code: number, reason: string): void {
    this.flushHeld();
    if (!this.closed) this.ws.close(code, reason);
  }

  // ---- frames ----

  private onMessage(data: RawData, isBinary: boolean): void {
    try {
      this.handleFrame(data, isBinary);
    } catch (e) {
      // Nothing a client sends may take the server down; say so and carry on.
      console.error('[mprtc-server] frame handling failed:', e);
      this.sendError(CODES.SERVER_ERROR, 'the server failed to handle the frame');
    }
  }

  private handleFrame(data: RawData, isBinary: boolean): void {
    this.touch();
    if (isBinary) return this.sendError(CODES.PROTOCOL_ERROR, 'binary frames are not part of the protocol');
    const bytes = toBuffer(data);
    const parsed = parseFrame(bytes.toString('utf8'));
    if (bytes.length > this.ctx.config.maxFrameBytes) {
      // Refused whole, but still answered on its id when it has one.
      const reason = `frame of ${bytes.length} bytes exceeds the limit of ${this.ctx.config.maxFrameBytes}`;
      const id = parsed.kind === 'request' || parsed.kind === 'refused' ? parsed.id : null;
      if (id === null) return this.sendError(CODES.PROTOCOL_ERROR, reason);
      return this.enqueue(id, async () => no(CODES.PROTOCOL_ERROR, reason));
    }
    switch (parsed.kind) {
      case 'ping':
        return this.send({ v: PROTOCOL_VERSION, type: 'pong', t: parsed.t });
      case 'refused':
        if (parsed.id === null) return this.sendError(parsed.code, parsed.reason);
        return this.enqueue(parsed.id, async () => no(parsed.code, parsed.reason));
      case 'request':
        return this.enqueue(parsed.id, () => this.dispatch(parsed.request));
    }
  }

  /** Requests run one at a time per socket, so answers and state changes keep the client's order. */
  private enqueue(id: number, work: () => Promise<Answer>): void {
    if (this.pending >= this.ctx.config.maxPendingRequests) {
      // A client flooding requests gets refusals at once instead of an ever longer queue.
      const error = { code: CODES.RATE_LIMITED, reason: `more than ${this.ctx.config.maxPendingRequests} requests in flight` };
      return this.send({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error });
    }
    this.pending++;
    this.queue = this.queue.then(async () => {
      this.pending--;
      let answer: Answer;
      try {
        answer = await work();
      } catch (e) {
        console.error('[mprtc-server] request failed:', e);
        answer = no(CODES.SERVER_ERROR, 'the server failed to handle the request');
      }
      if (answer.ok) this.send({ v: PROTOCOL_VERSION, type: 'response', id, ok: true, data: answer.data });
      else this.send({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error: answer.error });
      this.flushHeld();
    });
  }

  private async dispatch(req: Request): Promise<Answer> {
    if (this.closed) return no(CODES.NOT_IN_ROOM, 'the connection is closing');
    if (req.type === 'join') return this.join(req);
    const j = this.joined;
    if (!j) return no(CODES.NOT_IN_ROOM, `${req.type} needs a join first`);
    const { rooms } = this.ctx;
    const answer = (o: { ok: true; data: unknown } | { ok: false; code: number; reason: string }): Answer =>
      o.ok ? ok(o.data) : no(o.code, o.reason);
    switch (req.type) {
      case 'leave': {
        const r = await rooms.leave(j.key, j.userId, j.sessionId, 'leave');
        this.detach();
        this.armJoinTimer();
        return answer(r);
      }
      case 'publish':
        return answer(await rooms.publish(j.key, j.userId, j.sessionId, req.screen));
      case 'unpublish':
        return answer(await rooms.unpublish(j.key, j.userId, j.sessionId, req.screen));
      case 'subscribe':
        return answer(await rooms.subscribe(j.key, j.userId, j.sessionId, { userId: req.userId, screen: req.screen, audio: req.audio, video: req.video }));
      case 'unsubscribe':
        return answer(await rooms.unsubscribe(j.key, j.userId, j.sessionId, req.userId, req.screen));
      case 'muteLocal':
        return answer(await rooms.muteLocal(j.key, j.userId, j.sessionId, req.audio, req.video));
      case 'muteRemote':
        return answer(await rooms.muteRemote(j.key, j.userId, j.sessionId, { userId: req.userId, screen: req.screen, audio: req.audio, video: req.video }));
      case 'setVisibility':
        return answer(await rooms.setVisibility(j.key, j.userId, j.sessionId, req.visible));
      case 'report': {
        const items = reportItems(req.items);
        this.ctx.reports.add(j.key.appId, j.key.roomId, j.userId, items);
        return ok({ accepted: items.length });
      }
    }
  }

  private async join(req: Extract<Request, { type: 'join' }>): Promise<Answer> {
    if (this.joined) return no(CODES.ALREADY_IN_ROOM, `already in room ${this.joined.key.roomId}; leave first`);
    const { config, rooms, sessions, joinLimiter } = this.ctx;
    if (!joinLimiter.take(this.ip)) return no(CODES.RATE_LIMITED, 'too many joins from this address; try again later');
    const appKey = config.apps.get(req.appId);
    if (appKey === undefined) return no(CODES.APP_UNKNOWN, `unknown appId ${req.appId}`);
    const v = verifyToken(req.token, { appKey, appId: req.appId, roomId: req.roomId, userId: req.userId });
    if (!v.ok) return no(v.code, v.reason);

    const key = { appId: req.appId, roomId: req.roomId };
    const sessionId = randomUUID();
    sessions.set(sessionId, this);
    this.holding = true;
    const r = await rooms.join(key, {
      userId: req.userId,
      sessionId,
      visible: req.visible,
      businessId: req.businessId ?? null,
      tokenExpireAt: v.token.expireAt,
      privileges: v.token.privileges,
    });
    if (!r.ok) {
      sessions.delete(sessionId);
      this.holding = false;
      this.held = [];
      return no(r.code, r.reason);
    }
    if (this.closed) {
      // The socket went away while joining: undo at once rather than leave a ghost behind.
      sessions.delete(sessionId);
      await rooms.leave(key, req.userId, sessionId, 'timeout');
      return no(CODES.NOT_IN_ROOM, 'the connection closed during join');
    }
    this.joined = { key, userId: req.userId, sessionId, tokenExpireAt: v.token.expireAt };
    clearTimeout(this.joinTimer);
    this.armTokenTimers(v.token.expireAt);
    return ok({ sessionId, peers: r.data.peers, streams: r.data.streams, tokenExpireAt: v.token.expireAt });
  }

  // ---- timers ----

  private armJoinTimer(): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = setTimeout(() => {
      if (this.joined) return;
      this.sendError(CODES.PROTOCOL_ERROR, `no join within ${this.ctx.config.joinTimeoutMs} ms`);
      this.close(CLOSE.JOIN_TIMEOUT, 'join timeout');
    }, this.ctx.config.joinTimeoutMs);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(CLOSE.IDLE, 'idle'), this.ctx.config.idleTimeoutMs);
  }

  private armTokenTimers(expireAt: number): void {
    if (expireAt === 0) return;
    const expireMs = expireAt * 1000;
    const sessionId = this.joined?.sessionId;
    this.tokenTimers.push(
      at(expireMs - this.ctx.config.tokenWarnBeforeMs, () => {
        if (this.joined?.sessionId === sessionId) this.event('token-will-expire', { expireAt });
      }),
      // The token is still valid during its last second (expiry is "expireAt < now").
      at(expireMs + 1000, () => {
        this.expire(sessionId).catch((e) => console.error('[mprtc-server] token expiry failed:', e));
      }),
    );
  }

  private async expire(sessionId: string | undefined): Promise<void> {
    const j = this.joined;
    if (!j || j.sessionId !== sessionId) return;
    this.detach();
    await this.ctx.rooms.leave(j.key, j.userId, j.sessionId, 'token-expired');
    this.event('disconnect', { code: CODES.TOKEN_EXPIRED, reason: 'the token expired' });
    this.close(CLOSE.TOKEN_EXPIRED, 'token expired');
  }

  // ---- state ----

  /** Forgets the session (its room state is handled by whoever called this). */
  private detach(): void {
    if (this.joined) this.ctx.sessions.delete(this.joined.sessionId);
    this.joined = null;
    for (const cancel of this.tokenTimers) cancel();
    this.tokenTimers = [];
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.joinTimer);
    clearTimeout(this.idleTimer);
    const j = this.joined;
    this.detach();
    this.held = [];
    if (j) {
      // A dropped socket leaves the room; the others hear peer-leave {reason: 'timeout'}.
      this.ctx.rooms.leave(j.key, j.userId, j.sessionId, 'timeout').catch((e) => console.error('[mprtc-server] leave on close failed:', e));
    }
  }

  private flushHeld(): void {
    this.holding = false;
    const frames = this.held;
    this.held = [];
    for (const f of frames) this.sendRaw(f);
  }

  private sendError(code: number, reason: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', error: { code, reason } });
  }

  private send(frame: object): void {
    this.sendRaw(JSON.stringify(frame));
  }

  private sendRaw(text: string): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }
}
