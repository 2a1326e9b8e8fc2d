// One signaling socket: request/response matching by id, a timeout on every request, and an
// application-level heartbeat. When the socket dies every pending request is rejected, so no
// Promise of the SDK ever waits on a dead socket. Reconnecting is the caller's decision: a
// Connection is single-use, a new one is made for each attempt.
import * as ERROR_CODES from '../codes.js';
import type { VolcEngineRTCError } from '../../generated/types.js';
import { invalid, rtcError, toJson, toRtcError } from '../errors.js';
import { noop, startTimer, stopTimer, type TimerHandle } from '../host.js';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_DEPTH, PROTOCOL_VERSION, type PingFrame, type Request, type ResponseData } from '@mprtc/protocol';
import type { Transport, TransportFactory } from '../transport/types.js';
import { MAX_REASON_LENGTH, parseFrame, type ServerError } from './frames.js';

export interface ConnectionTimings {
  requestTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface ConnectionListener {
  /** Takes the server's events (peer-online, stream-added, disconnect, ...); seq numbers a session's events. */
  readonly inbox_: { receive_(conn: Connection, name: string, data: unknown, seq: number | undefined): void };
  /** Something went wrong that no request owns (an unsolicited error frame, a bad frame). */
  emitError_(err: VolcEngineRTCError): void;
  /** The socket is gone, for whatever reason other than our own close_(). Called once. */
  connLost_(conn: Connection, err: VolcEngineRTCError): void;
}

interface Pending {
  resolve_(data: unknown): void;
  reject_(err: VolcEngineRTCError): void;
  timer_: TimerHandle;
}

type SocketPhase = 'new' | 'opening' | 'open' | 'closed';

/**
 * The server's refusal as the app sees it (frames.ts made the code a documented one). Its
 * serverCode, if any, comes along for debugging: the code the server sent when it was not documented.
 */
function fromServer(e: ServerError): VolcEngineRTCError {
  return Object.assign(rtcError(e.code, e.reason), e);
}

/** True when no object or array in the JSON text nests deeper than `max` (strings skipped). */
function depthWithin(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return false;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return true;
}

/** UTF-8 length of `s`, or any number up to `limit` when it cannot be over it (counted only as needed). */
function utf8Length(s: string, limit: number): number {
  if (s.length * 3 <= limit) return s.length; // cannot be over: skip the count
  let n = 0;
  for (let i = 0; i < s.length && n <= limit; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes, 2 per half (JSON.stringify escapes a lone surrogate).
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3;
  }
  return n;
}

/** The pending_ key of the socket's opening; request ids start at 1. */
const OPENING = 0;

let lastId = 0;

/**
 * Request ids, from one counter for every connection of every client: an id never repeats, so a
 * request resent on a client's next connection after a resume keeps its id and meets no other.
 */
export const nextRequestId = (): number => ++lastId;

export class Connection {
  private phase_: SocketPhase = 'new';
  private transport_: Transport | undefined;
  private readonly pending_ = new Map<number, Pending>();
  private pingTimer_: TimerHandle | undefined;
  private silenceTimer_: TimerHandle | undefined;
  /** Silence until then is fine: every frame from the server moves it. */
  private quietUntil_ = 0;

  constructor(
    private readonly url_: string,
    private readonly factory_: TransportFactory,
    private readonly timings_: ConnectionTimings,
    private readonly listener_: ConnectionListener,
  ) {}

  get isOpen_(): boolean {
    return this.phase_ === 'open';
  }

  /** Opens the socket (once: a Connection is single-use); rejects with CONNECTION_FAILED if it does not open in time. */
  async open_(): Promise<void> {
    this.phase_ = 'opening';
    const opened = this.wait_<void>(OPENING, () => this.notOpened_(`no answer in ${this.timings_.requestTimeoutMs} ms`));
    try {
      this.transport_ = this.factory_(this.url_, {
        onOpen: () => this.opened_(),
        onMessage: (data) => this.received_(data),
        onError: noop, // the close that follows carries the outcome
        onClose: (code, reason) => this.closedByPeer_(code, reason),
      });
    } catch (e) {
      this.notOpened_(String(e));
    }
    return opened;
  }

  /** Waits for what settles `id` (OPENING: the socket's opening); `timedOut` runs after requestTimeoutMs. */
  private wait_<T>(id: number, timedOut: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending_.set(id, { resolve_: resolve as (d: unknown) => void, reject_: reject, timer_: startTimer(timedOut, this.timings_.requestTimeoutMs) });
    });
  }

  /**
   * Sends a request; `id` is given when resending one whose answer was lost with a socket (ids
   * never repeat, nextRequestId, so none is pending twice).
   */
  async request_<T extends Request['type']>(req: Extract<Request, { type: T }>, id = nextRequestId()): Promise<ResponseData[T]> {
    if (this.phase_ !== 'open') throw rtcError(ERROR_CODES.CONNECTION_LOST, `${req.type}: not connected`);
    // Serialised before anything is pending: a value JSON cannot carry (a BigInt, a cycle) is the
    // caller's bad input, refused with nothing left behind, not a socket failure.
    const text = toJson(Object.assign({}, req, { v: PROTOCOL_VERSION, id }), req.type);
    // The server refuses larger frames (and closes the socket on much larger ones, which a resend
    // after the reconnect would repeat): refused here, with nothing pending.
    const tooBig = utf8Length(text, DEFAULT_MAX_FRAME_BYTES) > DEFAULT_MAX_FRAME_BYTES;
    if (tooBig || !depthWithin(text, DEFAULT_MAX_FRAME_DEPTH)) {
      const over = tooBig ? `over ${DEFAULT_MAX_FRAME_BYTES} bytes` : `nested deeper than ${DEFAULT_MAX_FRAME_DEPTH}`;
      throw invalid(req.type, `${over} (the protocol's limit)`);
    }
    const answer = this.wait_<ResponseData[T]>(id, () =>
      this.settle_(id, rtcError(ERROR_CODES.REQUEST_TIMEOUT, `${req.type}: no answer within ${this.timings_.requestTimeoutMs} ms`)),
    );
    if (!this.send_(text)) this.settle_(id, rtcError(ERROR_CODES.CONNECTION_LOST, `${req.type}: could not be sent`));
    return answer;
  }

  /** Closes by our own choice: pending requests are rejected, connLost_ is not called. */
  close_(reason: string): void {
    this.shutdown_(ERROR_CODES.CONNECTION_LOST, reason, false);
  }

  private send_(text: string): boolean {
    return !!this.transport_ && this.transport_.send(text);
  }

  private opened_(): void {
    if (this.phase_ !== 'opening') return;
    this.phase_ = 'open';
    this.settle_(OPENING, undefined);
    this.ping_();
    this.heardFromServer_();
  }

  /** A ping every heartbeatIntervalMs while open. */
  private ping_(): void {
    this.pingTimer_ = startTimer(() => {
      if (this.phase_ !== 'open') return;
      const ping: PingFrame = { v: PROTOCOL_VERSION, type: 'ping', t: Date.now() };
      this.send_(JSON.stringify(ping));
      this.ping_();
    }, this.timings_.heartbeatIntervalMs);
  }

  // Any frame proves the server alive; silence longer than the heartbeat timeout means it is not.
  // A frame only notes the time (no timer re-armed per frame): the timer, when due, waits out
  // what is left since the last one.
  private heardFromServer_(): void {
    const ms = this.timings_.heartbeatTimeoutMs;
    this.quietUntil_ = Date.now() + ms;
    if (this.silenceTimer_ === undefined) this.watchSilence_(ms);
  }

  private watchSilence_(ms: number): void {
    this.silenceTimer_ = startTimer(() => {
      const left = this.quietUntil_ - Date.now();
      if (left > 0) this.watchSilence_(left);
      else this.shutdown_(ERROR_CODES.CONNECTION_LOST, `no heartbeat for ${this.timings_.heartbeatTimeoutMs} ms`, true);
    }, ms);
  }

  // A frame must never throw into the host's socket callback (that would crash the page).
  private received_(text: string | undefined): void {
    if (this.phase_ !== 'open') return;
    try {
      this.heardFromServer_();
      const parsed = parseFrame(text);
      if ('bad' in parsed) {
        const err = rtcError(ERROR_CODES.PROTOCOL_ERROR, `the server sent ${parsed.bad}`);
        if (parsed.id !== undefined && this.pending_.has(parsed.id)) this.settle_(parsed.id, err);
        else this.listener_.emitError_(err);
        return;
      }
      const f = parsed.frame;
      // A response after its timeout finds nobody waiting (settle_ ignores it); pong only proves life.
      if (f.type === 'response') this.settle_(f.id, f.ok ? undefined : fromServer(f.error), f.ok ? f.data : undefined);
      else if (f.type === 'error') this.listener_.emitError_(fromServer(f.error));
      else if (f.type === 'event') this.listener_.inbox_.receive_(this, f.event, f.data, f.seq);
    } catch (e) {
      this.listener_.emitError_(toRtcError(e, 'handling a frame'));
    }
  }

  private settle_(id: number, err: VolcEngineRTCError | undefined, data?: unknown): void {
    const p = this.pending_.get(id);
    if (!p) return;
    this.pending_.delete(id);
    stopTimer(p.timer_);
    if (err) p.reject_(err);
    else p.resolve_(data);
  }

  private closedByPeer_(code: number, rawReason: string): void {
    const reason = typeof rawReason === 'string' ? rawReason.slice(0, MAX_REASON_LENGTH) : '';
    const why = `${code}${reason ? ` ${reason}` : ''}`;
    if (this.phase_ === 'opening') this.notOpened_(why);
    else this.shutdown_(ERROR_CODES.CONNECTION_LOST, `connection closed (${why})`, true);
  }

  private notOpened_(why: string): void {
    this.shutdown_(ERROR_CODES.CONNECTION_FAILED, `could not connect to ${this.url_} (${why})`, false);
  }

  private shutdown_(code: number, reason: string, report: boolean): void {
    if (this.phase_ === 'closed') return;
    const wasOpen = this.phase_ === 'open';
    this.phase_ = 'closed';
    stopTimer(this.pingTimer_);
    stopTimer(this.silenceTimer_);
    // The opening fails with CONNECTION_FAILED (it never was a connection to lose), requests with err.
    const err = rtcError(code, reason);
    const openFailed = rtcError(ERROR_CODES.CONNECTION_FAILED, reason);
    for (const id of [...this.pending_.keys()]) this.settle_(id, id === OPENING ? openFailed : err);
    if (this.transport_) this.transport_.close(1000, 'bye');
    if (report && wasOpen) this.listener_.connLost_(this, err);
  }
}
