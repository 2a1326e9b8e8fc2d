// The runtime under the generated Client: the lifecycle and the composition of its parts (room
// calls in room.ts, server events in server-events.ts, reconnecting in reconnect/). Arguments arrive
// checked for type by the generated layer; everything here that fails rejects with a
// VolcEngineRTCError, never throws.
import * as ERROR_CODES from './codes.js';
import { EVENTS } from '../generated/events.js';
import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
import type { MuteLocalOptions, MuteRemoteOptions, SubOptions, UnsubscribeOptions, VolcEngineRTCError, WxMediaState } from '../generated/types.js';
import { invalid, rtcError, toJson } from './errors.js';
import { Emitter, type Listener } from './emitter.js';
import type { EventName } from '../generated/events.js';
import { logError } from './host.js';
import { resolveOptions, withDefaults, type ClientOptions, type ResolvedOptions } from './options.js';
import { asJoinAnswer, type JoinAnswer } from './payloads.js';
import { announceDifferences } from './reconnect/announce.js';
import type { ReportItem, Request } from '@mprtc/protocol';
import { Reconnector, type ReconnectHost, type ReconnectStats } from './reconnect/reconnector.js';
import { ServerEventInbox, type ServerEventHost } from './server-events.js';
import { ReportBuffer, type ReportSink } from './reports.js';
import * as room from './room.js';
import { Session } from './session.js';
import { Connection, nextRequestId, type ConnectionListener } from './signaling/connection.js';
import { DESTROYED, IN_ROOM, INITIALISED, JOINING, LEAVING, UNINITIALISED, type Phase } from './phase.js';
import { allow, canInit, LIVE, refuse } from './state.js';
import { pickTransport } from './transport/pick.js';
import { checkAppId, checkId, checkToken } from './validate.js';

export { backoffMs } from './reconnect/backoff.js';
export type { ReconnectStats } from './reconnect/reconnector.js';

export interface RuntimeHooks {
  /** Emits ERROR to the app's listeners; with none, writes it to console.error. */
  emitError_(err: VolcEngineRTCError): void;
}

export type ClientRuntime = ClientRuntimeMethods & RuntimeHooks;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

// The runtime is an Emitter (the vendor's Client is an event emitter: off and removeAllListeners
// are the Emitter's own), and the host of its parts (ServerEventHost, ReconnectHost, RoomIo): they
// reach the members they need by name, and those members end in '_' like every private one (the
// class is not exported; apps see ClientRuntime only). The state stays here.
class Runtime extends Emitter implements ClientRuntime, ConnectionListener, ServerEventHost, ReconnectHost, ReportSink, room.RoomIo {
  private phase_: Phase = UNINITIALISED;
  private appId_ = '';
  private businessId_: string | undefined;
  visible_ = true;
  conn_: Connection | undefined;
  session_: Session | undefined;
  private connState_: ConnectionState = 'disconnected';
  private leaving_: Promise<void> | undefined;
  readonly reports_ = new ReportBuffer(this);
  private readonly given_: ClientOptions | undefined;
  /** Set by init (calls before it are refused with NOT_INITED). */
  options_!: ResolvedOptions;
  /** Takes the server events of the client's connections (it checks which). */
  readonly inbox_ = new ServerEventInbox(this);
  private readonly reconnector_ = new Reconnector(this, this.inbox_);
  /** Counts of what reconnecting did, for tests and diagnostics. */
  readonly stats: ReconnectStats = this.reconnector_.stats;

  constructor(options: ClientOptions | undefined) {
    super();
    // Resolved at init, over the configure() defaults of that moment.
    this.given_ = options;
  }

  // ---- the ReportSink of reports_ ---------------------------------------------------------

  /** In a room with a live socket: also while leaving or destroying, so leave can flush. */
  reportsReady_(): boolean {
    return this.session_ !== undefined && !!this.conn_ && this.conn_.isOpen_;
  }

  /**
   * Through request_: a batch in flight when the socket drops is resent after the resume. Reports
   * lost with the socket are not the app's concern; any other failure is (on ERROR).
   */
  sendReports_(items: ReportItem[]): Promise<unknown> {
    return this.request_(this.session_, { type: 'report', items }).catch((e: VolcEngineRTCError) => {
      if (e.code !== ERROR_CODES.CONNECTION_LOST) this.emitError_(e);
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async init(appId: string): Promise<void> {
    canInit(this.phase_);
    const o = resolveOptions(withDefaults(this.given_));
    checkAppId(appId);
    this.options_ = o;
    this.appId_ = appId;
    this.phase_ = INITIALISED;
  }

  async destroy(): Promise<void> {
    allow(this.phase_, 'destroy', [UNINITIALISED, ...LIVE]);
    const was = this.phase_;
    // From here on every call fails with CLIENT_DESTROYED, even while the leave below runs.
    this.phase_ = DESTROYED;
    if (was === IN_ROOM) await this.leaveRoom_();
    else if (was === LEAVING) await this.leaving_;
    else if (was === JOINING) this.dropConnection_('destroyed');
    this.reports_.clear_();
    this.removeAllListeners();
  }

  async setBusinessId(businessId: string): Promise<boolean> {
    allow(this.phase_, 'setBusinessId', LIVE);
    // After join it has no effect, as the vendor documents: say so with false.
    if (this.phase_ !== INITIALISED) return false;
    if (businessId.length > 128) throw invalid('setBusinessId(businessId)', 'at most 128 characters');
    this.businessId_ = businessId;
    return true;
  }

  // ---- room ------------------------------------------------------------------------------

  async join(token: string, roomId: string, userId: string): Promise<string> {
    allow(this.phase_, 'join', [INITIALISED]);
    checkToken('join', token);
    checkId('join', 'roomId', roomId);
    checkId('join', 'userId', userId);
    const o = this.options_;
    if (!o.server) throw rtcError(ERROR_CODES.NO_WEBSOCLET_URL, 'join: no server URL; set ClientOptions.server');
    const conn = this.newConnection_();
    if (typeof conn === 'string') throw rtcError(ERROR_CODES.CONNECTION_FAILED, `join: ${conn}`);

    this.phase_ = JOINING;
    this.conn_ = conn;
    this.setConnState_('connecting');
    try {
      await conn.open_();
      this.setConnState_('connected');
      const data = await this.joinRequest_(conn, token, roomId, userId);
      if (this.conn_ !== conn) throw this.joinAborted_();
      const s = new Session(roomId, userId, token, data);
      this.session_ = s;
      this.phase_ = IN_ROOM;
      this.joined_(conn, s, data);
      return userId;
    } catch (err) {
      this.inbox_.release_(conn);
      if (this.conn_ !== conn) throw this.joinAborted_();
      this.dropConnection_('join failed');
      throw err;
    }
  }

  newConnection_(): Connection | string {
    const o = this.options_;
    const factory = pickTransport(o.transport);
    if (typeof factory === 'string') return factory;
    return new Connection(o.server!, factory, o, this);
  }

  /** join on an open connection; events that overtake the answer are held until inbox_.flush_. */
  async joinRequest_(conn: Connection, token: string, roomId: string, userId: string): Promise<JoinAnswer> {
    this.inbox_.hold_(conn);
    const req: Extract<Request, { type: 'join' }> = { type: 'join', appId: this.appId_, token, roomId, userId, visible: this.visible_ };
    if (this.businessId_ !== undefined) req.businessId = this.businessId_;
    const data = asJoinAnswer(await conn.request_(req));
    if (!data) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'join: the server sent a malformed answer');
    return data;
  }

  // A join whose connection was taken from it: by destroy, or by leave.
  private joinAborted_(): VolcEngineRTCError {
    const destroyed = this.phase_ === DESTROYED;
    return rtcError(destroyed ? ERROR_CODES.CLIENT_DESTROYED : ERROR_CODES.LEAVING, `join: ${destroyed ? 'destroy' : 'leave'}() was called meanwhile`);
  }

  async leave(): Promise<void> {
    allow(this.phase_, 'leave', [IN_ROOM, JOINING]);
    if (this.phase_ === JOINING) {
      // The app wants out (a page unloading): abort the join rather than refuse and let it land.
      this.dropConnection_('leave during the join');
      return;
    }
    await this.leaveRoom_();
  }

  // Always ends out of the room: closing the socket removes us on the server whatever it
  // answered, so leave resolves once we are out (LEAVE_ERROR would tell the app nothing it can act on).
  private leaveRoom_(): Promise<void> {
    const conn = this.conn_;
    if (this.phase_ !== DESTROYED) this.phase_ = LEAVING;
    const done = (): void => {
      if (this.conn_ === conn) this.dropConnection_('left the room');
      if (this.phase_ === LEAVING) this.phase_ = INITIALISED;
      this.leaving_ = undefined;
    };
    // Out whatever the server answers (done runs either way).
    const leave = (): unknown => conn && conn.isOpen_ && conn.request_({ type: 'leave' });
    return (this.leaving_ = this.reports_.flush_().then(leave).then(done, done));
  }

  publish(): Promise<string> {
    return room.publish(this);
  }

  unpublish(): Promise<void> {
    return room.unpublish(this);
  }

  subscribe(userId: string, options: SubOptions): Promise<string> {
    return room.subscribe(this, userId, options);
  }

  unsubscribe(userId: string, options: UnsubscribeOptions): Promise<void> {
    return room.unsubscribe(this, userId, options);
  }

  muteLocal(options: MuteLocalOptions): Promise<void> {
    return room.muteLocal(this, options);
  }

  muteRemote(userId: string, options: MuteRemoteOptions): Promise<void> {
    return room.muteRemote(this, userId, options);
  }

  async setUserVisibility(enable: boolean): Promise<void> {
    allow(this.phase_, 'setUserVisibility', [INITIALISED, IN_ROOM]);
    if (this.phase_ === IN_ROOM) {
      const s = this.session_!;
      await this.request_(s, { type: 'setVisibility', visible: enable });
      // Invisible: the server ended the local stream (an invisible user cannot publish).
      if (!enable) s.unpublished_();
    }
    // Kept for the next join too: the setting belongs to the client, not to one stay in a room.
    this.visible_ = enable;
  }

  /**
   * Renews the token of the stay in the room: the server checks it (same app, room and user),
   * moves the expiry and its TOKEN_WILL_EXPIRE warning, and extends the media URLs. Kept at once
   * for a fresh join after a reconnect; put back if the server refuses it.
   */
  async updateToken(token: string): Promise<void> {
    const s = this.room_('updateToken');
    checkToken('updateToken', token);
    const previous = s.token_;
    s.token_ = token;
    try {
      // The server keeps the expiry (and warns with TOKEN_WILL_EXPIRE): nothing to keep here.
      await this.request_(s, { type: 'updateToken', token });
    } catch (err) {
      const code = (err as VolcEngineRTCError).code;
      const refused =
        ([ERROR_CODES.TOKEN_INVALID, ERROR_CODES.TOKEN_EXPIRED, ERROR_CODES.TOKEN_RENEW_MISMATCH, ERROR_CODES.INVALID_PARAMS] as number[]).indexOf(code) >= 0;
      if (refused && s.token_ === token) s.token_ = previous;
      throw err;
    }
  }

  // ---- events ----------------------------------------------------------------------------

  // A destroyed client takes no listeners (ERROR says so); off and removeAllListeners always work.
  override on<E extends EventName>(event: E, callback: Listener<E>, once = false): void {
    if (this.phase_ === DESTROYED) return this.emitError_(refuse(DESTROYED, once ? 'once' : 'on', [])!);
    super.on(event, callback, once);
  }

  once<E extends EventName>(event: E, callback: Listener<E>): void {
    this.on(event, callback, true);
  }

  emitError_(err: VolcEngineRTCError): void {
    if (this.has_(EVENTS.ERROR)) this.emit_(EVENTS.ERROR, err);
    else logError('[mprtc] unhandled error', err.code, err.reason);
  }

  // ---- reports ---------------------------------------------------------------------------

  // `info` arrives as a copy (the generated layer's check copies option objects).
  reportPusherStateChange(code: number, message: string): void {
    this.report_('reportPusherStateChange', 'pusherState', { code, message });
  }

  reportPusherNetStatusChange(info: WxMediaState): void {
    this.report_('reportPusherNetStatusChange', 'pusherNet', { info });
  }

  reportPlayerStateChange(uid: string, code: number, message: string): void {
    this.report_('reportPlayerStateChange', 'playerState', { uid, code, message });
  }

  reportPlayerNetStatusChange(uid: string, info: WxMediaState): void {
    this.report_('reportPlayerNetStatusChange', 'playerNet', { uid, info });
  }

  private report_(method: string, kind: ReportItem['kind'], fields: object): void {
    // A method that returns nothing reports its refusal on ERROR.
    try {
      allow(this.phase_, method, LIVE);
      const item = Object.assign({ kind, at: Date.now() }, fields) as ReportItem;
      // Refused alone, here: once in a batch it would sink the other items with it.
      toJson(item, method);
      this.reports_.add_(item);
    } catch (err) {
      this.emitError_(err as VolcEngineRTCError);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  room_(method: string): Session {
    // publish, subscribe, mute...: NOT_IN_ROOM while joining or leaving too.
    allow(this.phase_, method, [IN_ROOM], true);
    return this.session_!;
  }

  /**
   * A request within the current stay in the room; fails if the room was left meanwhile. While
   * reconnecting it waits; one in flight when the socket dropped is sent again after the resume
   * with the same id, so the server answers it once (it never applies it twice).
   */
  async request_<T extends Parameters<Connection['request_']>[0]>(s: Session | undefined, req: T): Promise<unknown> {
    const id = nextRequestId();
    const left = (): VolcEngineRTCError => rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
    for (;;) {
      const waiting = this.reconnector_.waiting_;
      if (waiting) await waiting;
      const conn = this.conn_;
      if (!s || this.session_ !== s || !conn) throw left();
      try {
        const data = await conn.request_(req, id);
        if (this.session_ !== s) throw left();
        return data;
      } catch (e) {
        if ((e as VolcEngineRTCError).code === ERROR_CODES.CONNECTION_LOST && this.reconnector_.waiting_ && this.session_ === s) continue;
        throw e;
      }
    }
  }

  setConnState_(state: ConnectionState): void {
    if (state === this.connState_) return;
    const prevState = this.connState_;
    this.connState_ = state;
    this.emit_(EVENTS.CONNECTION_STATE_CHANGED, { state, prevState });
  }

  /** Out of the room (or the join): a live client is initialised again, a destroyed one stays so. */
  private dropConnection_(reason: string): void {
    const conn = this.conn_;
    this.conn_ = undefined;
    this.session_ = undefined;
    if (this.phase_ !== DESTROYED) this.phase_ = INITIALISED;
    this.reconnector_.stop_(rtcError(ERROR_CODES.NOT_IN_ROOM, `the room was left (${reason})`));
    this.reports_.pause_();
    if (conn) conn.close_(reason);
    this.setConnState_('disconnected');
  }

  // The socket died under us: reconnect and resume, unless the app turned that off.
  connLost_(conn: Connection, err: VolcEngineRTCError): void {
    if (this.conn_ !== conn || this.phase_ !== IN_ROOM) return; // join and leave handle their own
    const o = this.options_;
    const s = this.session_;
    if (!o.reconnect || !s) return this.outOfRoom_(err);
    this.conn_ = undefined;
    this.reports_.pause_();
    this.reconnector_.start_(s, o.reconnect, err);
  }

  /** The server's DISCONNECT: out of the room, unless a leave got there first. */
  serverDisconnect_(why: { code: number; reason: string }): void {
    if (this.phase_ === IN_ROOM) this.outOfRoom_(why);
  }

  /**
   * conn's join (with its answer) or resume for s is handled: conn is the room's connection (a
   * reconnect's is adopted here), the app hears the room as it stands (after a join), then the
   * events that overtook the answer; buffered reports may go out.
   */
  joined_(conn: Connection, s: Session, data?: JoinAnswer): void {
    this.conn_ = conn;
    this.setConnState_('connected');
    if (data) announceDifferences(s, data, this.inbox_);
    this.inbox_.flush_(conn);
    this.reports_.resume_();
  }

  outOfRoom_(why: { code: number; reason: string }): void {
    this.reconnector_.releaseCalls_(rtcError(ERROR_CODES.CONNECTION_LOST, `connection lost: ${why.reason}`));
    this.dropConnection_(why.reason);
    this.emit_(EVENTS.DISCONNECT, { code: why.code, reason: why.reason });
  }
}

export function createRuntime(options?: ClientOptions): ClientRuntime {
  return new Runtime(options);
}
