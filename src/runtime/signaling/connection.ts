// One signaling socket: request/response matching by id, a timeout on every request, and an
// application-level heartbeat. When the socket dies every pending request is rejected, so no
// Promise of the SDK ever waits on a dead socket. Reconnecting is the caller's decision: a
// Connection is single-use, a new one is made for each attempt.
import { ERROR_CODES } from '../../generated/error-codes.js';
import type { VolcEngineRTCError } from '../../generated/types.js';
import { rtcError } from '../errors.js';
import { now, startTimer, stopTimer, type TimerHandle } from '../host.js';
import { PROTOCOL_VERSION, type PingFrame, type Request, type ResponseData } from '@mprtc/protocol';
import type { Transport, TransportFactory } from '../transport/types.js';
import { MAX_REASON_LENGTH, parseFrame, type ServerError } from './frames.js';

export interface ConnectionTimings {
  requestTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface ConnectionListener {
  /** A server event (peer-online, stream-added, disconnect, ...); seq numbers a session's events. */
  onEvent(name: string, data: unknown, seq: number | undefined): void;
  /** Something went wrong that no request owns (an unsolicited error frame, a bad frame). */
  onError(err: VolcEngineRTCError): void;
  /** The socket is gone, for whatever reason other than our own close(). Called once. */
  onLost(err: VolcEngineRTCError): void;
}

interface Pending {
  resolve(data: unknown): void;
  reject(err: VolcEngineRTCError): void;
  timer: TimerHandle;
}

type Phase = 'new' | 'opening' | 'open' | 'closed';

/** The server's refusal as the app sees it (frames.ts made the code a documented one). */
function fromServer(e: ServerError): VolcEngineRTCError {
  const err = rtcError(e.code, e.reason);
  // Kept for debugging only: the code the server sent when it was not a documented one.
  if (e.serverCode !== undefined) Object.defineProperty(err, 'serverCode', { value: e.serverCode, enumerable: true });
  return err;
}

function counter(): () => number {
  let n = 1;
  return () => n++;
}

export class Connection {
  private phase: Phase = 'new';
  private transport: Transport | undefined;
  private readonly pending = new Map<number, Pending>();
  private pingTimer: TimerHandle | undefined;
  private silenceTimer: TimerHandle | undefined;
  private openSettle: { resolve(): void; reject(e: VolcEngineRTCError): void; timer: TimerHandle } | undefined;

  constructor(
    private readonly url: string,
    private readonly factory: TransportFactory,
    private readonly timings: ConnectionTimings,
    private readonly listener: ConnectionListener,
    /** Request ids, shared by the connections of one client so that a resent request keeps its id. */
    private readonly nextId: () => number = counter(),
  ) {}

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Opens the socket; rejects with CONNECTION_FAILED if it does not open in time. */
  open(): Promise<void> {
    if (this.phase !== 'new') return Promise.reject(rtcError(ERROR_CODES.INTERNAL_ERROR, 'connection opened twice'));
    this.phase = 'opening';
    return new Promise<void>((resolve, reject) => {
      const timer = startTimer(() => {
        this.shutdown(rtcError(ERROR_CODES.CONNECTION_FAILED, `no connection to ${this.url} within ${this.timings.requestTimeoutMs} ms`), false);
      }, this.timings.requestTimeoutMs);
      this.openSettle = { resolve, reject, timer };
      try {
        this.transport = this.factory(this.url, {
          onOpen: () => this.opened(),
          onMessage: (data) => this.guarded(data),
          onError: () => undefined, // the close that follows carries the outcome
          onClose: (code, reason) => this.closedByPeer(code, reason),
        });
      } catch (e) {
        this.shutdown(rtcError(ERROR_CODES.CONNECTION_FAILED, `could not open ${this.url}: ${String(e)}`), false);
      }
    });
  }

  /** Sends a request; `id` is given when resending one whose answer was lost with a socket. */
  request<T extends Request['type']>(req: Extract<Request, { type: T }>, id: number = this.nextId()): Promise<ResponseData[T]> {
    if (this.phase !== 'open') {
      return Promise.reject(rtcError(ERROR_CODES.CONNECTION_LOST, `${req.type}: the signaling connection is not open`));
    }
    if (this.pending.has(id)) return Promise.reject(rtcError(ERROR_CODES.INTERNAL_ERROR, `${req.type}: request id ${id} is in use`));
    // Serialised before anything is pending: a value JSON cannot carry (a BigInt, a cycle) is the
    // caller's bad input, refused with nothing left behind, not a socket failure.
    let text: string;
    try {
      text = JSON.stringify({ ...req, v: PROTOCOL_VERSION, id });
    } catch {
      return Promise.reject(rtcError(ERROR_CODES.INVALID_PARAMS, `${req.type}: the request holds a value that cannot be sent as JSON`));
    }
    return new Promise<ResponseData[T]>((resolve, reject) => {
      const timer = startTimer(() => {
        this.pending.delete(id);
        reject(rtcError(ERROR_CODES.REQUEST_TIMEOUT, `${req.type}: no answer from the server within ${this.timings.requestTimeoutMs} ms`));
      }, this.timings.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      if (!this.sendText(text)) {
        this.settle(id, rtcError(ERROR_CODES.CONNECTION_LOST, `${req.type}: the request could not be sent`));
      }
    });
  }

  /** Closes by our own choice: pending requests are rejected, onLost is not called. */
  close(reason: string): void {
    this.shutdown(rtcError(ERROR_CODES.CONNECTION_LOST, reason), false);
  }

  private send(frame: object): boolean {
    return this.sendText(JSON.stringify(frame));
  }

  private sendText(text: string): boolean {
    return this.transport?.send(text) ?? false;
  }

  private opened(): void {
    if (this.phase !== 'opening') return;
    this.phase = 'open';
    const settle = this.openSettle;
    this.openSettle = undefined;
    if (settle) {
      stopTimer(settle.timer);
      settle.resolve();
    }
    this.pingTimer = startTimer(() => this.ping(), this.timings.heartbeatIntervalMs);
    this.heardFromServer();
  }

  private ping(): void {
    if (this.phase !== 'open') return;
    const ping: PingFrame = { v: PROTOCOL_VERSION, type: 'ping', t: now() };
    this.send(ping);
    this.pingTimer = startTimer(() => this.ping(), this.timings.heartbeatIntervalMs);
  }

  // Any frame proves the server alive; silence longer than the heartbeat timeout means it is not.
  private heardFromServer(): void {
    stopTimer(this.silenceTimer);
    this.silenceTimer = startTimer(() => {
      this.shutdown(rtcError(ERROR_CODES.CONNECTION_LOST, `no heartbeat from the server for ${this.timings.heartbeatTimeoutMs} ms`), true);
    }, this.timings.heartbeatTimeoutMs);
  }

  // A frame must never throw into the host's socket callback (that would crash the page).
  private guarded(text: string | undefined): void {
    try {
      this.received(text);
    } catch (e) {
      this.listener.onError(rtcError(ERROR_CODES.INTERNAL_ERROR, `handling a frame failed: ${e instanceof Error ? e.message : typeof e}`));
    }
  }

  private received(text: string | undefined): void {
    if (this.phase !== 'open') return;
    this.heardFromServer();
    const parsed = parseFrame(text);
    if ('bad' in parsed) {
      const err = rtcError(ERROR_CODES.PROTOCOL_ERROR, `the server sent ${parsed.bad}`);
      if (parsed.id !== undefined && this.pending.has(parsed.id)) this.settle(parsed.id, err);
      else this.listener.onError(err);
      return;
    }
    const f = parsed.frame;
    switch (f.type) {
      case 'response':
        if (!this.pending.has(f.id)) return; // answered after its timeout: nobody waits any more
        if (f.ok) this.settle(f.id, undefined, f.data);
        else this.settle(f.id, fromServer(f.error));
        return;
      case 'error':
        this.listener.onError(fromServer(f.error));
        return;
      case 'event':
        this.listener.onEvent(f.event, f.data, f.seq);
        return;
      case 'pong':
        return;
    }
  }

  private settle(id: number, err: VolcEngineRTCError | undefined, data?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    stopTimer(p.timer);
    if (err) p.reject(err);
    else p.resolve(data);
  }

  private closedByPeer(code: number, rawReason: string): void {
    const reason = typeof rawReason === 'string' ? rawReason.slice(0, MAX_REASON_LENGTH) : '';
    if (this.phase === 'opening') {
      this.shutdown(rtcError(ERROR_CODES.CONNECTION_FAILED, `could not connect to ${this.url} (${code}${reason ? ` ${reason}` : ''})`), false);
    } else {
      this.shutdown(rtcError(ERROR_CODES.CONNECTION_LOST, `the signaling connection closed (${code}${reason ? ` ${reason}` : ''})`), true);
    }
  }

  private shutdown(err: VolcEngineRTCError, report: boolean): void {
    if (this.phase === 'closed') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    stopTimer(this.pingTimer);
    stopTimer(this.silenceTimer);
    const settle = this.openSettle;
    this.openSettle = undefined;
    if (settle) {
      stopTimer(settle.timer);
      settle.reject(err.code === ERROR_CODES.CONNECTION_LOST ? rtcError(ERROR_CODES.CONNECTION_FAILED, err.reason) : err);
    }
    for (const id of [...this.pending.keys()]) this.settle(id, err);
    this.transport?.close(1000, 'bye');
    if (report && wasOpen) this.listener.onLost(err);
  }
}
