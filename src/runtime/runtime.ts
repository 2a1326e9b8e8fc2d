// The runtime under the generated Client: the lifecycle, the room calls mapped to signaling
// requests, server events turned into app events. Arguments arrive checked for type by the
// generated layer; everything here that fails rejects with a VolcEngineRTCError, never throws.
import { ERROR_CODES } from '../generated/error-codes.js';
import { EVENTS } from '../generated/events.js';
import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
import type { MuteLocalOptions, MuteRemoteOptions, SubOptions, UnsubscribeOptions, VolcEngineRTCError, WxMediaState } from '../generated/types.js';
import { rtcError } from './errors.js';
import { Emitter, type Listener } from './emitter.js';
import { logError, now } from './host.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { asEventPayload, asJoinData, asUrl, streamAdded } from './payloads.js';
import type { ReportItem } from './protocol.js';
import { ReportBuffer } from './reports.js';
import { Session } from './session.js';
import { Connection } from './signaling/connection.js';
import { canInit, canJoin, canLeave, needInit, needRoom, type Phase } from './state.js';
import { pickTransport } from './transport/pick.js';
import { checkAppId, checkId, checkToken } from './validate.js';

export interface RuntimeHooks {
  /** Emits ERROR to the app's listeners; with none, writes it to console.error. */
  emitError(err: VolcEngineRTCError): void;
}

export type ClientRuntime = ClientRuntimeMethods & RuntimeHooks;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

const SERVER_EVENTS: ReadonlySet<string> = new Set([
  EVENTS.STREAM_ADDED,
  EVENTS.STREAM_REMOVED,
  EVENTS.UPDATE_URL,
  EVENTS.STREAM_FAILED,
  EVENTS.MUTE_AUDIO,
  EVENTS.UNMUTE_AUDIO,
  EVENTS.MUTE_VIDEO,
  EVENTS.UNMUTE_VIDEO,
  EVENTS.PEER_ONLINE,
  EVENTS.PEER_LEAVE,
  EVENTS.DISCONNECT,
  EVENTS.TOKEN_WILL_EXPIRE,
]);

const fail = <T>(err: VolcEngineRTCError): Promise<T> => Promise.reject(err);

class Runtime implements ClientRuntime {
  #phase: Phase = 'uninitialised';
  #appId = '';
  #businessId: string | undefined;
  #visible = true;
  #conn: Connection | undefined;
  #session: Session | undefined;
  #connState: ConnectionState = 'disconnected';
  #leaving: Promise<void> | undefined;
  readonly #emitter = new Emitter();
  readonly #reports: ReportBuffer;
  readonly #options: ResolvedOptions | string;

  constructor(options: ClientOptions | undefined) {
    this.#options = resolveOptions(options);
    const o = typeof this.#options === 'string' ? resolveOptions({}) as ResolvedOptions : this.#options;
    this.#reports = new ReportBuffer(
      {
        // In a room with a live socket: also while leaving or destroying, so leave can flush.
        ready: () => this.#session !== undefined && this.#conn?.isOpen === true,
        send: (items) => this.#conn?.request({ type: 'report', items }) ?? fail(rtcError(ERROR_CODES.NOT_IN_ROOM, 'report: not in a room')),
        failed: (e) => {
          // Reports lost with the socket are not the app's concern; anything else is.
          const err = e as VolcEngineRTCError;
          if (err.code !== ERROR_CODES.CONNECTION_LOST) this.emitError(err);
        },
      },
      o.reportFlushMs,
      o.reportBatchSize,
    );
  }

  // ---- lifecycle -------------------------------------------------------------------------

  init(appId: string): Promise<void> {
    const e = canInit(this.#phase) ?? (typeof this.#options === 'string' ? rtcError(ERROR_CODES.INVALID_PARAMS, this.#options) : checkAppId(appId));
    if (e) return fail(e);
    this.#appId = appId;
    this.#phase = 'initialised';
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (this.#phase === 'destroyed') throw needInit('destroyed', 'destroy');
    const was = this.#phase;
    // From here on every call fails with CLIENT_DESTROYED, even while the leave below runs.
    this.#phase = 'destroyed';
    if (was === 'inRoom') await this.#leaveRoom();
    else if (was === 'leaving') await this.#leaving;
    else if (was === 'joining') this.#dropConnection('the client was destroyed');
    this.#reports.clear();
    this.#emitter.clear();
  }

  setBusinessId(businessId: string): Promise<boolean> {
    const e = needInit(this.#phase, 'setBusinessId');
    if (e) return fail(e);
    // After join it has no effect, as the vendor documents: say so with false.
    if (this.#phase !== 'initialised') return Promise.resolve(false);
    if (businessId.length > 128) return fail(rtcError(ERROR_CODES.INVALID_PARAMS, 'setBusinessId(businessId): at most 128 characters'));
    this.#businessId = businessId;
    return Promise.resolve(true);
  }

  // ---- room ------------------------------------------------------------------------------

  async join(token: string, roomId: string, userId: string): Promise<string> {
    const e = canJoin(this.#phase) ?? checkToken(token) ?? checkId('join', 'roomId', roomId) ?? checkId('join', 'userId', userId);
    if (e) throw e;
    const o = this.#options as ResolvedOptions; // init refused unusable options
    if (!o.server) throw rtcError(ERROR_CODES.NO_WEBSOCLET_URL, 'join: no server URL; pass { server: "wss://..." } to new Client()');
    const factory = pickTransport(o.transport);
    if (typeof factory === 'string') throw rtcError(ERROR_CODES.CONNECTION_FAILED, `join: ${factory}`);

    this.#phase = 'joining';
    const conn = new Connection(o.server, factory, o, {
      onEvent: (name, data) => this.#serverEvent(conn, name, data),
      onError: (err) => this.emitError(err),
      onLost: (err) => this.#lost(conn, err),
    });
    this.#conn = conn;
    this.#setConnState('connecting');
    try {
      await conn.open();
      this.#setConnState('connected');
      const raw = await conn.request({
        type: 'join',
        appId: this.#appId,
        token,
        roomId,
        userId,
        visible: this.#visible,
        ...(this.#businessId !== undefined ? { businessId: this.#businessId } : {}),
      });
      const data = asJoinData(raw);
      if (!data) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'join: the server answered with a malformed join response');
      if (this.#conn !== conn) throw this.#joinAborted();
      this.#session = new Session(roomId, userId, data.sessionId, data.tokenExpireAt);
      this.#phase = 'inRoom';
      for (const uid of data.peers) if (uid !== userId) this.#emit(EVENTS.PEER_ONLINE, { uid });
      for (const s of data.streams) if (s.uid !== userId) this.#emit(EVENTS.STREAM_ADDED, streamAdded(s));
      this.#reports.resume();
      return userId;
    } catch (err) {
      if (this.#conn !== conn) throw this.#joinAborted();
      this.#dropConnection('join failed');
      this.#phase = 'initialised';
      throw err;
    }
  }

  // A join whose connection was taken from it: by destroy, or by leave.
  #joinAborted(): VolcEngineRTCError {
    return this.#phase === 'destroyed'
      ? rtcError(ERROR_CODES.CLIENT_DESTROYED, 'join: the client was destroyed during the join')
      : rtcError(ERROR_CODES.LEAVING, 'join: leave() was called during the join');
  }

  async leave(): Promise<void> {
    const e = canLeave(this.#phase);
    if (e) throw e;
    if (this.#phase === 'joining') {
      // The app wants out (a page unloading): abort the join rather than refuse and let it land.
      this.#dropConnection('leave during the join');
      this.#phase = 'initialised';
      return;
    }
    await this.#leaveRoom();
  }

  // Always ends out of the room: closing the socket removes us on the server whatever it
  // answered, so leave resolves once we are out (LEAVE_ERROR would tell the app nothing it can act on).
  #leaveRoom(): Promise<void> {
    const conn = this.#conn;
    if (this.#phase !== 'destroyed') this.#phase = 'leaving';
    const run = async (): Promise<void> => {
      await this.#reports.flush();
      if (conn?.isOpen) await conn.request({ type: 'leave' }).catch(() => undefined);
    };
    const done = (): void => {
      if (this.#conn === conn) this.#dropConnection('left the room');
      if (this.#phase === 'leaving') this.#phase = 'initialised';
      this.#leaving = undefined;
    };
    this.#leaving = run().then(done, done);
    return this.#leaving;
  }

  async publish(): Promise<string> {
    const s = this.#room('publish');
    if (s.publishing) throw rtcError(ERROR_CODES.ALREADY_PUBLISHED, 'publish: the local stream is published already');
    if (!this.#visible) throw rtcError(ERROR_CODES.INVISIBLE_CANNOT_PUBLISH, 'publish: an invisible user cannot publish; setUserVisibility(true) first');
    let answer: unknown;
    try {
      answer = await this.#request(s, { type: 'publish', screen: false });
    } catch (e) {
      // After STREAM_FAILED the app retries publish, but a server may still hold the failed
      // stream: end it and start afresh (subscribers see stream-removed, then stream-added).
      if (!s.pushFailed || (e as VolcEngineRTCError).code !== ERROR_CODES.ALREADY_PUBLISHED) throw e;
      await this.#request(s, { type: 'unpublish', screen: false });
      answer = await this.#request(s, { type: 'publish', screen: false });
    }
    const url = asUrl(answer);
    if (!url) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'publish: the server answered without a URL');
    s.publishing = true;
    s.pushFailed = false;
    s.pushUrl = url;
    return url;
  }

  async unpublish(): Promise<void> {
    const s = this.#room('unpublish');
    if (!s.publishing) throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'unpublish: the local stream is not published');
    await this.#request(s, { type: 'unpublish', screen: false });
    s.publishing = false;
    s.pushFailed = false;
    s.pushUrl = undefined;
  }

  async subscribe(userId: string, options: SubOptions): Promise<string> {
    const s = this.#room('subscribe');
    const e = checkId('subscribe', 'userId', userId);
    if (e) throw e;
    if (userId === s.userId) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'subscribe(userId): that is the local user');
    const screen = options.screen === true;
    const audio = options.audio !== false;
    const video = options.video !== false;
    const url = asUrl(await this.#request(s, { type: 'subscribe', userId, screen, audio, video }));
    if (!url) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'subscribe: the server answered without a URL');
    s.addSubscription({ uid: userId, screen, audio, video });
    return url;
  }

  async unsubscribe(userId: string, options: UnsubscribeOptions): Promise<void> {
    const s = this.#room('unsubscribe');
    const screen = options.screen === true;
    if (!s.subscribed(userId, screen)) throw rtcError(ERROR_CODES.NOT_SUBSCRIBED, `unsubscribe: ${userId}'s ${screen ? 'screen' : 'main'} stream is not subscribed`);
    await this.#request(s, { type: 'unsubscribe', userId, screen });
    s.removeSubscription(userId, screen);
  }

  async muteLocal(options: MuteLocalOptions): Promise<void> {
    const s = this.#room('muteLocal');
    if (!s.publishing) throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'muteLocal: the local stream is not published');
    await this.#request(s, { type: 'muteLocal', audio: options.audio, video: options.video });
  }

  async muteRemote(userId: string, options: MuteRemoteOptions): Promise<void> {
    const s = this.#room('muteRemote');
    const screen = options.screen === true;
    if (!s.subscribed(userId, screen)) throw rtcError(ERROR_CODES.NOT_SUBSCRIBED, `muteRemote: ${userId}'s ${screen ? 'screen' : 'main'} stream is not subscribed`);
    await this.#request(s, { type: 'muteRemote', userId, screen, audio: options.audio, video: options.video });
  }

  async setUserVisibility(enable: boolean): Promise<void> {
    const e = needInit(this.#phase, 'setUserVisibility');
    if (e) throw e;
    if (this.#phase === 'joining') throw rtcError(ERROR_CODES.CONNECTING, 'setUserVisibility: a join is under way');
    if (this.#phase === 'leaving') throw rtcError(ERROR_CODES.LEAVING, 'setUserVisibility: a leave is under way');
    if (this.#phase === 'inRoom') {
      const s = this.#session!;
      await this.#request(s, { type: 'setVisibility', visible: enable });
      // An invisible user cannot publish: the server ended the local stream on the way.
      if (!enable) {
        s.publishing = false;
        s.pushFailed = false;
        s.pushUrl = undefined;
      }
    }
    // Kept for the next join too: the setting belongs to the client, not to one stay in a room.
    this.#visible = enable;
  }

  // ---- events ----------------------------------------------------------------------------

  on(event: string, callback: Listener): void {
    if (this.#phase === 'destroyed') return this.emitError(needInit('destroyed', 'on')!);
    this.#emitter.on(event, callback);
  }

  off(event: string, callback: Listener): void {
    this.#emitter.off(event, callback);
  }

  emitError(err: VolcEngineRTCError): void {
    if (this.#emitter.has(EVENTS.ERROR)) this.#emitter.emit(EVENTS.ERROR, err);
    else logError('[mprtc] unhandled error', err.code, err.reason);
  }

  // ---- reports ---------------------------------------------------------------------------

  reportPusherStateChange(code: number, message: string): void {
    this.#report('reportPusherStateChange', { kind: 'pusherState', at: now(), code, message });
  }

  reportPusherNetStatusChange(info: WxMediaState): void {
    this.#report('reportPusherNetStatusChange', { kind: 'pusherNet', at: now(), info: { ...info } });
  }

  reportPlayerStateChange(uid: string, code: number, message: string): void {
    this.#report('reportPlayerStateChange', { kind: 'playerState', at: now(), uid, code, message });
  }

  reportPlayerNetStatusChange(uid: string, info: WxMediaState): void {
    this.#report('reportPlayerNetStatusChange', { kind: 'playerNet', at: now(), uid, info: { ...info } });
  }

  #report(method: string, item: ReportItem): void {
    const e = needInit(this.#phase, method);
    if (e) return this.emitError(e);
    this.#reports.add(item);
  }

  // ---- internals -------------------------------------------------------------------------

  #room(method: string): Session {
    const e = needRoom(this.#phase, method);
    if (e) throw e;
    return this.#session!;
  }

  /** A request within the current stay in the room; fails if the room was left meanwhile. */
  #request<T extends Parameters<Connection['request']>[0]>(s: Session, req: T): Promise<unknown> {
    const conn = this.#conn;
    if (!conn) return fail(rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: join a room first`));
    return conn.request(req).then((data) => {
      if (this.#session !== s) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
      return data;
    });
  }

  #emit(event: string, payload: unknown): void {
    this.#emitter.emit(event, payload);
  }

  #setConnState(state: ConnectionState): void {
    if (state === this.#connState) return;
    const prevState = this.#connState;
    this.#connState = state;
    this.#emit(EVENTS.CONNECTION_STATE_CHANGED, { state, prevState });
  }

  #dropConnection(reason: string): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#session = undefined;
    this.#reports.pause();
    conn?.close(reason);
    this.#setConnState('disconnected');
  }

  // The socket died under us. A later issue adds reconnect-and-resume here; for now the room is
  // lost and the app is told to rejoin.
  #lost(conn: Connection, err: VolcEngineRTCError): void {
    if (this.#conn !== conn || this.#phase !== 'inRoom') return; // join and leave handle their own
    this.#outOfRoom({ code: err.code, reason: err.reason });
  }

  #outOfRoom(why: { code: number; reason: string }): void {
    this.#dropConnection(why.reason);
    if (this.#phase === 'inRoom') this.#phase = 'initialised';
    this.#emit(EVENTS.DISCONNECT, { code: why.code, reason: why.reason });
  }

  #serverEvent(conn: Connection, name: string, data: unknown): void {
    // Only the events a server may send; a newer server's unknown events are ignored, and the
    // client's own (ERROR, CONNECTION_STATE_CHANGED) cannot be forged.
    if (this.#conn !== conn || !SERVER_EVENTS.has(name)) return;
    const payload = asEventPayload(name, data);
    if (!payload) {
      this.emitError(rtcError(ERROR_CODES.PROTOCOL_ERROR, `the server sent a malformed "${name}" event`));
      return;
    }
    const s = this.#session;
    if (name === EVENTS.DISCONNECT) {
      if (this.#phase === 'inRoom') this.#outOfRoom(payload as { code: number; reason: string });
      return;
    }
    if (!s) return; // events before the join answer belong to no room yet
    const uid = payload.uid as string;
    if (name === EVENTS.PEER_LEAVE) s.removeUser(uid);
    if (name === EVENTS.STREAM_FAILED && uid === s.userId && payload.screen !== true) {
      // The push failed: publish may be called again.
      s.publishing = false;
      s.pushFailed = true;
      s.pushUrl = undefined;
    }
    if (name === EVENTS.UPDATE_URL && uid === s.userId && payload.screen !== true && typeof payload.url === 'string') {
      s.pushUrl = payload.url;
    }
    this.#emit(name, payload);
  }
}

export function createRuntime(options?: ClientOptions): ClientRuntime {
  return new Runtime(options);
}
