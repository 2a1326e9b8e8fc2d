// The runtime under the generated Client: the lifecycle and the composition of its parts (room
// calls in room.ts, server events in relay.ts, reconnecting in reconnect/). Arguments arrive
// checked for type by the generated layer; everything here that fails rejects with a
// VolcEngineRTCError, never throws.
import { ERROR_CODES } from '../generated/error-codes.js';
import { EVENTS } from '../generated/events.js';
import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
import type { MuteLocalOptions, MuteRemoteOptions, SubOptions, UnsubscribeOptions, VolcEngineRTCError, WxMediaState } from '../generated/types.js';
import { rtcError } from './errors.js';
import { Emitter, type Listener } from './emitter.js';
import type { EventName, EventPayloads } from '../generated/events.js';
import { logError, now } from './host.js';
import { resolveOptions, withDefaults, type ClientOptions, type ResolvedOptions } from './options.js';
import { asJoinData, streamAdded, type JoinData } from './payloads.js';
import type { ReportItem } from '@mprtc/protocol';
import { Reconnector, type ReconnectStats } from './reconnect/reconnector.js';
import { EventRelay } from './relay.js';
import { ReportBuffer, sendable } from './reports.js';
import * as room from './room.js';
import { Session } from './session.js';
import { Connection } from './signaling/connection.js';
import { canInit, canJoin, canLeave, needInit, needRoom, type Phase } from './state.js';
import { pickTransport } from './transport/pick.js';
import { checkAppId, checkId, checkToken } from './validate.js';

export { backoffMs } from './reconnect/backoff.js';
export type { ReconnectStats } from './reconnect/reconnector.js';

export interface RuntimeHooks {
  /** Emits ERROR to the app's listeners; with none, writes it to console.error. */
  emitError(err: VolcEngineRTCError): void;
}

export type ClientRuntime = ClientRuntimeMethods & RuntimeHooks;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

const fail = <T>(err: VolcEngineRTCError): Promise<T> => Promise.reject(err);

class Runtime implements ClientRuntime {
  private phase: Phase = 'uninitialised';
  private appId = '';
  private businessId: string | undefined;
  private visible = true;
  private conn: Connection | undefined;
  private session: Session | undefined;
  private connState: ConnectionState = 'disconnected';
  private leaving: Promise<void> | undefined;
  /** Request ids for every connection of this client: a request resent after a resume keeps its id. */
  private nextId = 1;
  private readonly ids = (): number => this.nextId++;
  private readonly emitter = new Emitter();
  private readonly reports: ReportBuffer;
  private readonly given: ClientOptions | undefined;
  /** Set by init (calls before it are refused with NOT_INITED). */
  private options!: ResolvedOptions;
  // The parts each see only what they need of the runtime; the state stays here.
  private readonly relay = new EventRelay({
    conn: () => this.conn,
    session: () => this.session,
    disconnect: (why) => {
      if (this.phase === 'inRoom') this.outOfRoom(why);
    },
    emit: (event, payload) => this.emit(event, payload),
    emitError: (err) => this.emitError(err),
  });
  private readonly reconnector = new Reconnector(
    {
      connect: () => this.newConnection(),
      join: (conn, s) => this.joinRequest(conn, s.token, s.roomId, s.userId),
      reconnecting: () => this.setConnState('reconnecting'),
      adopt: (conn) => {
        this.conn = conn;
        this.setConnState('connected');
      },
      resumeReports: () => this.reports.resume(),
      outOfRoom: (why) => this.outOfRoom(why),
      request: (s, req) => this.request(s, req),
      session: () => this.session,
      emit: (event, payload) => this.emit(event, payload),
      emitError: (err) => this.emitError(err),
    },
    this.relay,
  );
  private readonly roomIo: room.RoomIo = {
    room: (method) => this.room(method),
    request: (s, req) => this.request(s, req),
    visible: () => this.visible,
  };
  /** Counts of what reconnecting did, for tests and diagnostics. */
  readonly stats: ReconnectStats = this.reconnector.stats;

  constructor(options: ClientOptions | undefined) {
    // Resolved at init, over the configure() defaults of that moment.
    this.given = options;
    this.reports = new ReportBuffer({
      // In a room with a live socket: also while leaving or destroying, so leave can flush.
      ready: () => this.session !== undefined && this.conn?.isOpen === true,
      // Through request(): a batch in flight when the socket drops is resent after the resume.
      send: (items) => (this.session ? this.request(this.session, { type: 'report', items }) : fail(rtcError(ERROR_CODES.NOT_IN_ROOM, 'report: not in a room'))),
      failed: (e) => {
        // Reports lost with the socket are not the app's concern; anything else is.
        const err = e as VolcEngineRTCError;
        if (err.code !== ERROR_CODES.CONNECTION_LOST) this.emitError(err);
      },
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  init(appId: string): Promise<void> {
    const o = resolveOptions(withDefaults(this.given));
    const e = canInit(this.phase) ?? (typeof o === 'string' ? rtcError(ERROR_CODES.INVALID_PARAMS, o) : checkAppId(appId));
    if (e) return fail(e);
    this.options = o as ResolvedOptions;
    this.reports.flushMs = this.options.reportFlushMs;
    this.reports.batchSize = this.options.reportBatchSize;
    this.appId = appId;
    this.phase = 'initialised';
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (this.phase === 'destroyed') throw needInit('destroyed', 'destroy');
    const was = this.phase;
    // From here on every call fails with CLIENT_DESTROYED, even while the leave below runs.
    this.phase = 'destroyed';
    if (was === 'inRoom') await this.leaveRoom();
    else if (was === 'leaving') await this.leaving;
    else if (was === 'joining') this.dropConnection('the client was destroyed');
    this.reports.clear();
    this.emitter.removeAll();
  }

  setBusinessId(businessId: string): Promise<boolean> {
    const e = needInit(this.phase, 'setBusinessId');
    if (e) return fail(e);
    // After join it has no effect, as the vendor documents: say so with false.
    if (this.phase !== 'initialised') return Promise.resolve(false);
    if (businessId.length > 128) return fail(rtcError(ERROR_CODES.INVALID_PARAMS, 'setBusinessId(businessId): at most 128 characters'));
    this.businessId = businessId;
    return Promise.resolve(true);
  }

  // ---- room ------------------------------------------------------------------------------

  async join(token: string, roomId: string, userId: string): Promise<string> {
    const e = canJoin(this.phase) ?? checkToken(token) ?? checkId('join', 'roomId', roomId) ?? checkId('join', 'userId', userId);
    if (e) throw e;
    const o = this.options;
    if (!o.server) throw rtcError(ERROR_CODES.NO_WEBSOCLET_URL, 'join: no server URL; pass { server: "wss://..." } to new Client()');
    const conn = this.newConnection();
    if (typeof conn === 'string') throw rtcError(ERROR_CODES.CONNECTION_FAILED, `join: ${conn}`);

    this.phase = 'joining';
    this.conn = conn;
    this.setConnState('connecting');
    try {
      await conn.open();
      this.setConnState('connected');
      const data = await this.joinRequest(conn, token, roomId, userId);
      if (this.conn !== conn) throw this.joinAborted();
      const s = new Session(roomId, userId, token, data.sessionId, data.tokenExpireAt);
      s.resumeToken = data.resumeToken;
      this.session = s;
      this.phase = 'inRoom';
      for (const uid of data.peers) if (uid !== userId) this.relay.deliver(s, EVENTS.PEER_ONLINE, { uid });
      for (const st of data.streams) if (st.uid !== userId) this.relay.deliver(s, EVENTS.STREAM_ADDED, streamAdded(st));
      this.relay.flush(conn);
      this.reports.resume();
      return userId;
    } catch (err) {
      this.relay.release(conn);
      if (this.conn !== conn) throw this.joinAborted();
      this.dropConnection('join failed');
      this.phase = 'initialised';
      throw err;
    }
  }

  private newConnection(): Connection | string {
    const o = this.options;
    const factory = pickTransport(o.transport);
    if (typeof factory === 'string') return factory;
    const conn: Connection = new Connection(
      o.server!,
      factory,
      o,
      {
        onEvent: (name, data, seq) => this.relay.receive(conn, name, data, seq),
        onError: (err) => this.emitError(err),
        onLost: (err) => this.lost(conn, err),
      },
      this.ids,
    );
    return conn;
  }

  /** join on an open connection; events that overtake the answer are held until relay.flush. */
  private async joinRequest(conn: Connection, token: string, roomId: string, userId: string): Promise<JoinData> {
    this.relay.hold(conn);
    const raw = await conn.request({
      type: 'join',
      appId: this.appId,
      token,
      roomId,
      userId,
      visible: this.visible,
      ...(this.businessId !== undefined ? { businessId: this.businessId } : {}),
    });
    const data = asJoinData(raw);
    if (!data) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'join: the server answered with a malformed join response');
    return data;
  }

  // A join whose connection was taken from it: by destroy, or by leave.
  private joinAborted(): VolcEngineRTCError {
    return this.phase === 'destroyed'
      ? rtcError(ERROR_CODES.CLIENT_DESTROYED, 'join: the client was destroyed during the join')
      : rtcError(ERROR_CODES.LEAVING, 'join: leave() was called during the join');
  }

  async leave(): Promise<void> {
    const e = canLeave(this.phase);
    if (e) throw e;
    if (this.phase === 'joining') {
      // The app wants out (a page unloading): abort the join rather than refuse and let it land.
      this.dropConnection('leave during the join');
      this.phase = 'initialised';
      return;
    }
    await this.leaveRoom();
  }

  // Always ends out of the room: closing the socket removes us on the server whatever it
  // answered, so leave resolves once we are out (LEAVE_ERROR would tell the app nothing it can act on).
  private leaveRoom(): Promise<void> {
    const conn = this.conn;
    if (this.phase !== 'destroyed') this.phase = 'leaving';
    const run = async (): Promise<void> => {
      await this.reports.flush();
      if (conn?.isOpen) await conn.request({ type: 'leave' }).catch(() => undefined);
    };
    const done = (): void => {
      if (this.conn === conn) this.dropConnection('left the room');
      if (this.phase === 'leaving') this.phase = 'initialised';
      this.leaving = undefined;
    };
    this.leaving = run().then(done, done);
    return this.leaving;
  }

  publish(): Promise<string> {
    return room.publish(this.roomIo);
  }

  unpublish(): Promise<void> {
    return room.unpublish(this.roomIo);
  }

  subscribe(userId: string, options: SubOptions): Promise<string> {
    return room.subscribe(this.roomIo, userId, options);
  }

  unsubscribe(userId: string, options: UnsubscribeOptions): Promise<void> {
    return room.unsubscribe(this.roomIo, userId, options);
  }

  muteLocal(options: MuteLocalOptions): Promise<void> {
    return room.muteLocal(this.roomIo, options);
  }

  muteRemote(userId: string, options: MuteRemoteOptions): Promise<void> {
    return room.muteRemote(this.roomIo, userId, options);
  }

  async setUserVisibility(enable: boolean): Promise<void> {
    const e = needInit(this.phase, 'setUserVisibility');
    if (e) throw e;
    if (this.phase === 'joining') throw rtcError(ERROR_CODES.CONNECTING, 'setUserVisibility: a join is under way');
    if (this.phase === 'leaving') throw rtcError(ERROR_CODES.LEAVING, 'setUserVisibility: a leave is under way');
    if (this.phase === 'inRoom') await room.setVisibility(this.roomIo, this.session!, enable);
    // Kept for the next join too: the setting belongs to the client, not to one stay in a room.
    this.visible = enable;
  }

  /**
   * Renews the token of the stay in the room: the server checks it (same app, room and user),
   * moves the expiry and its TOKEN_WILL_EXPIRE warning, and extends the media URLs. Kept at once
   * for a fresh join after a reconnect; put back if the server refuses it.
   */
  async updateToken(token: string): Promise<void> {
    const s = this.room('updateToken');
    const e = checkToken(token);
    if (e) throw e;
    const previous = s.token;
    s.token = token;
    try {
      const at = (await this.request(s, { type: 'updateToken', token }) as { tokenExpireAt?: unknown } | null)?.tokenExpireAt;
      if (typeof at === 'number') s.tokenExpireAt = at;
    } catch (err) {
      const code = (err as VolcEngineRTCError).code;
      const refused = code === ERROR_CODES.TOKEN_INVALID || code === ERROR_CODES.TOKEN_EXPIRED || code === ERROR_CODES.TOKEN_RENEW_MISMATCH || code === ERROR_CODES.INVALID_PARAMS;
      if (refused && s.token === token) s.token = previous;
      throw err;
    }
  }

  // ---- events ----------------------------------------------------------------------------

  on<E extends EventName>(event: E, callback: Listener<E>): void {
    this.listen(event, callback, false);
  }

  once<E extends EventName>(event: E, callback: Listener<E>): void {
    this.listen(event, callback, true);
  }

  private listen<E extends EventName>(event: E, callback: Listener<E>, once: boolean): void {
    if (this.phase === 'destroyed') return this.emitError(needInit('destroyed', once ? 'once' : 'on')!);
    this.emitter.on(event, callback, once);
  }

  /** Without a callback: every listener of that event. */
  off<E extends EventName>(event: E, callback?: Listener<E>): void {
    this.emitter.off(event, callback);
  }

  /** Without an event: every listener of every event (the vendor's Client is an event emitter). */
  removeAllListeners(event?: EventName): void {
    this.emitter.removeAll(event);
  }

  emitError(err: VolcEngineRTCError): void {
    if (this.emitter.has(EVENTS.ERROR)) this.emitter.emit(EVENTS.ERROR, err);
    else logError('[mprtc] unhandled error', err.code, err.reason);
  }

  // ---- reports ---------------------------------------------------------------------------

  reportPusherStateChange(code: number, message: string): void {
    this.report('reportPusherStateChange', { kind: 'pusherState', at: now(), code, message });
  }

  reportPusherNetStatusChange(info: WxMediaState): void {
    this.report('reportPusherNetStatusChange', { kind: 'pusherNet', at: now(), info: { ...info } });
  }

  reportPlayerStateChange(uid: string, code: number, message: string): void {
    this.report('reportPlayerStateChange', { kind: 'playerState', at: now(), uid, code, message });
  }

  reportPlayerNetStatusChange(uid: string, info: WxMediaState): void {
    this.report('reportPlayerNetStatusChange', { kind: 'playerNet', at: now(), uid, info: { ...info } });
  }

  private report(method: string, item: ReportItem): void {
    const e = needInit(this.phase, method);
    if (e) return this.emitError(e);
    // Refused alone, here: once in a batch it would sink the other items with it.
    if (!sendable(item)) return this.emitError(rtcError(ERROR_CODES.INVALID_PARAMS, `${method}: the report holds a value that cannot be sent as JSON`));
    this.reports.add(item);
  }

  // ---- internals -------------------------------------------------------------------------

  private room(method: string): Session {
    const e = needRoom(this.phase, method);
    if (e) throw e;
    return this.session!;
  }

  /**
   * A request within the current stay in the room; fails if the room was left meanwhile. While
   * reconnecting it waits; one in flight when the socket dropped is sent again after the resume
   * with the same id, so the server answers it once (it never applies it twice).
   */
  private async request<T extends Parameters<Connection['request']>[0]>(s: Session, req: T): Promise<unknown> {
    const id = this.ids();
    for (;;) {
      const waiting = this.reconnector.waiting;
      if (waiting) await waiting;
      const conn = this.conn;
      if (this.session !== s || !conn) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
      try {
        const data = await conn.request(req, id);
        if (this.session !== s) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
        return data;
      } catch (e) {
        if ((e as VolcEngineRTCError).code === ERROR_CODES.CONNECTION_LOST && this.reconnector.waiting && this.session === s) continue;
        throw e;
      }
    }
  }

  private emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    this.emitter.emit(event, payload);
  }

  private setConnState(state: ConnectionState): void {
    if (state === this.connState) return;
    const prevState = this.connState;
    this.connState = state;
    this.emit(EVENTS.CONNECTION_STATE_CHANGED, { state, prevState });
  }

  private dropConnection(reason: string): void {
    const conn = this.conn;
    this.conn = undefined;
    this.session = undefined;
    this.reconnector.stop(rtcError(ERROR_CODES.NOT_IN_ROOM, `the room was left during a reconnect (${reason})`));
    this.reports.pause();
    conn?.close(reason);
    this.setConnState('disconnected');
  }

  // The socket died under us: reconnect and resume, unless the app turned that off.
  private lost(conn: Connection, err: VolcEngineRTCError): void {
    if (this.conn !== conn || this.phase !== 'inRoom') return; // join and leave handle their own
    const o = this.options;
    const s = this.session;
    if (!o.reconnect || !s) {
      this.outOfRoom({ code: err.code, reason: err.reason });
      return;
    }
    this.conn = undefined;
    this.reports.pause();
    this.reconnector.start(s, o.reconnect, err);
  }

  private outOfRoom(why: { code: number; reason: string }): void {
    this.reconnector.failCalls(rtcError(ERROR_CODES.CONNECTION_LOST, `the connection was lost: ${why.reason}`));
    this.dropConnection(why.reason);
    if (this.phase === 'inRoom') this.phase = 'initialised';
    this.emit(EVENTS.DISCONNECT, { code: why.code, reason: why.reason });
  }
}

export function createRuntime(options?: ClientOptions): ClientRuntime {
  return new Runtime(options);
}
