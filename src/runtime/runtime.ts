// The runtime under the generated Client: the lifecycle, the room calls mapped to signaling
// requests, server events turned into app events. Arguments arrive checked for type by the
// generated layer; everything here that fails rejects with a VolcEngineRTCError, never throws.
import { ERROR_CODES } from '../generated/error-codes.js';
import { EVENTS } from '../generated/events.js';
import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
import type { MuteLocalOptions, MuteRemoteOptions, SubOptions, UnsubscribeOptions, VolcEngineRTCError, WxMediaState } from '../generated/types.js';
import { rtcError } from './errors.js';
import { Emitter, type Listener } from './emitter.js';
import { logError, now, startTimer, stopTimer, type TimerHandle } from './host.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions, type ResolvedReconnect } from './options.js';
import { asEventPayload, asJoinData, asUrl, streamAdded, type JoinData } from './payloads.js';
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

/** Failures after which another reconnect attempt may succeed; any other refusal is final. */
const RETRYABLE: ReadonlySet<number> = new Set([
  ERROR_CODES.CONNECTION_FAILED,
  ERROR_CODES.CONNECTION_LOST,
  ERROR_CODES.REQUEST_TIMEOUT,
  ERROR_CODES.RATE_LIMITED,
  ERROR_CODES.SERVER_ERROR,
]);

/** Calls wait here while reconnecting: released by a resume, failed by a fresh join or giving up. */
interface Gate {
  promise: Promise<void>;
  open(): void;
  fail(err: VolcEngineRTCError): void;
}

function gate(): Gate {
  let open!: () => void;
  let failWith!: (e: VolcEngineRTCError) => void;
  const promise = new Promise<void>((res, rej) => {
    open = res;
    failWith = rej;
  });
  promise.catch(() => undefined); // nobody may be waiting
  return { promise, open, fail: failWith };
}

/** Attempt n waits a random time between half and all of min(max, base * 2^n): no thundering herd. */
export function backoffMs(r: ResolvedReconnect, attempt: number, random: number): number {
  const cap = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random * cap) / 2);
}

/** Counts of what reconnecting did, for tests and diagnostics. */
export interface ReconnectStats {
  drops: number;
  attempts: number;
  resumes: number;
  freshJoins: number;
  gaveUp: number;
}

class Runtime implements ClientRuntime {
  #phase: Phase = 'uninitialised';
  #appId = '';
  #businessId: string | undefined;
  #visible = true;
  #conn: Connection | undefined;
  #session: Session | undefined;
  #connState: ConnectionState = 'disconnected';
  #leaving: Promise<void> | undefined;
  /** Request ids for every connection of this client: a request resent after a resume keeps its id. */
  #nextId = 1;
  readonly #ids = (): number => this.#nextId++;
  /** Set while reconnecting. */
  #gate: Gate | undefined;
  /** The current reconnect loop (a token: a stale loop sees it changed and stops). */
  #run: object | undefined;
  #sleep: { timer: TimerHandle; wake(): void } | undefined;
  /** A connection being tried by the reconnect loop, not yet adopted. */
  #trying: Connection | undefined;
  /** The connection whose join/resume answer is awaited: its events wait until the answer is handled. */
  #awaiting: Connection | undefined;
  #early: [string, unknown, number | undefined][] = [];
  readonly stats: ReconnectStats = { drops: 0, attempts: 0, resumes: 0, freshJoins: 0, gaveUp: 0 };
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
        // Through #request: a batch in flight when the socket drops is resent after the resume.
        send: (items) => (this.#session ? this.#request(this.#session, { type: 'report', items }) : fail(rtcError(ERROR_CODES.NOT_IN_ROOM, 'report: not in a room'))),
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
    const conn = this.#newConnection();
    if (typeof conn === 'string') throw rtcError(ERROR_CODES.CONNECTION_FAILED, `join: ${conn}`);

    this.#phase = 'joining';
    this.#conn = conn;
    this.#setConnState('connecting');
    try {
      await conn.open();
      this.#setConnState('connected');
      const data = await this.#joinRequest(conn, token, roomId, userId);
      if (this.#conn !== conn) throw this.#joinAborted();
      const s = new Session(roomId, userId, token, data.sessionId, data.tokenExpireAt);
      s.resumeToken = data.resumeToken;
      this.#session = s;
      this.#phase = 'inRoom';
      for (const uid of data.peers) if (uid !== userId) this.#deliver(s, EVENTS.PEER_ONLINE, { uid });
      for (const st of data.streams) if (st.uid !== userId) this.#deliver(s, EVENTS.STREAM_ADDED, streamAdded(st));
      this.#flushEarly(conn);
      this.#reports.resume();
      return userId;
    } catch (err) {
      if (this.#awaiting === conn) this.#awaiting = undefined;
      if (this.#conn !== conn) throw this.#joinAborted();
      this.#dropConnection('join failed');
      this.#phase = 'initialised';
      throw err;
    }
  }

  #newConnection(): Connection | string {
    const o = this.#options as ResolvedOptions;
    const factory = pickTransport(o.transport);
    if (typeof factory === 'string') return factory;
    const conn: Connection = new Connection(
      o.server!,
      factory,
      o,
      {
        onEvent: (name, data, seq) => this.#serverEvent(conn, name, data, seq),
        onError: (err) => this.emitError(err),
        onLost: (err) => this.#lost(conn, err),
      },
      this.#ids,
    );
    return conn;
  }

  /** join on an open connection; events that overtake the answer are held for #flushEarly. */
  async #joinRequest(conn: Connection, token: string, roomId: string, userId: string): Promise<JoinData> {
    this.#awaiting = conn;
    this.#early = [];
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
    return data;
  }

  #flushEarly(conn: Connection): void {
    if (this.#awaiting !== conn) return;
    this.#awaiting = undefined;
    const early = this.#early;
    this.#early = [];
    for (const [name, data, seq] of early) this.#serverEvent(conn, name, data, seq);
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
    // After STREAM_FAILED the server still holds the stream and answers with a URL (a fresh one,
    // or the one in use if the pusher got back in by itself meanwhile).
    const url = asUrl(await this.#request(s, { type: 'publish', screen: false }));
    if (!url) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'publish: the server answered without a URL');
    s.publishing = true;
    s.pushUrl = url;
    return url;
  }

  async unpublish(): Promise<void> {
    const s = this.#room('unpublish');
    if (!s.publishing) throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'unpublish: the local stream is not published');
    await this.#request(s, { type: 'unpublish', screen: false });
    s.publishing = false;
    s.pushUrl = undefined;
    s.audioOff = false;
    s.videoOff = false;
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
    const before = s.subscribed(userId, screen);
    // The server keeps a muteRemote pause across a subscribe again; so does the client.
    s.addSubscription({ uid: userId, screen, audio, video, pausedAudio: before?.pausedAudio ?? false, pausedVideo: before?.pausedVideo ?? false });
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
    s.audioOff = options.audio;
    s.videoOff = options.video;
  }

  async muteRemote(userId: string, options: MuteRemoteOptions): Promise<void> {
    const s = this.#room('muteRemote');
    const screen = options.screen === true;
    if (!s.subscribed(userId, screen)) throw rtcError(ERROR_CODES.NOT_SUBSCRIBED, `muteRemote: ${userId}'s ${screen ? 'screen' : 'main'} stream is not subscribed`);
    await this.#request(s, { type: 'muteRemote', userId, screen, audio: options.audio, video: options.video });
    const sub = s.subscribed(userId, screen);
    if (sub) {
      sub.pausedAudio = options.audio;
      sub.pausedVideo = options.video;
    }
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
        s.pushUrl = undefined;
        s.audioOff = false;
        s.videoOff = false;
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

  /**
   * A request within the current stay in the room; fails if the room was left meanwhile. While
   * reconnecting it waits; one in flight when the socket dropped is sent again after the resume
   * with the same id, so the server answers it once (it never applies it twice).
   */
  async #request<T extends Parameters<Connection['request']>[0]>(s: Session, req: T): Promise<unknown> {
    const id = this.#ids();
    for (;;) {
      if (this.#gate) await this.#gate.promise;
      const conn = this.#conn;
      if (this.#session !== s || !conn) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
      try {
        const data = await conn.request(req, id);
        if (this.#session !== s) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${req.type}: the room was left meanwhile`);
        return data;
      } catch (e) {
        if ((e as VolcEngineRTCError).code === ERROR_CODES.CONNECTION_LOST && this.#gate && this.#session === s) continue;
        throw e;
      }
    }
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
    this.#stopReconnect(rtcError(ERROR_CODES.NOT_IN_ROOM, `the room was left during a reconnect (${reason})`));
    this.#reports.pause();
    conn?.close(reason);
    this.#setConnState('disconnected');
  }

  // The socket died under us: reconnect and resume, unless the app turned that off.
  #lost(conn: Connection, err: VolcEngineRTCError): void {
    if (this.#conn !== conn || this.#phase !== 'inRoom') return; // join and leave handle their own
    const o = this.#options as ResolvedOptions;
    const s = this.#session;
    if (!o.reconnect || !s) {
      this.#outOfRoom({ code: err.code, reason: err.reason });
      return;
    }
    this.stats.drops++;
    this.#conn = undefined;
    this.#reports.pause();
    if (!this.#gate) this.#gate = gate();
    const run = {};
    this.#run = run;
    this.#setConnState('reconnecting');
    void this.#reconnect(s, o.reconnect, run, err);
  }

  async #reconnect(s: Session, r: ResolvedReconnect, run: object, cause: VolcEngineRTCError): Promise<void> {
    let last = cause;
    for (let attempt = 0; attempt < r.maxAttempts; attempt++) {
      await this.#wait(backoffMs(r, attempt, Math.random()));
      if (this.#run !== run) return;
      const conn = this.#newConnection();
      if (typeof conn === 'string') return this.#giveUp(run, rtcError(ERROR_CODES.CONNECTION_FAILED, conn));
      this.stats.attempts++;
      this.#trying = conn;
      try {
        await conn.open();
        if (this.#run !== run) return conn.close('the reconnect was cancelled');
        await this.#resumeOrJoin(conn, s, run);
        if (this.#trying === conn) this.#trying = undefined;
        return;
      } catch (e) {
        if (this.#trying === conn) this.#trying = undefined;
        if (this.#awaiting === conn) this.#awaiting = undefined;
        conn.close('reconnect attempt failed');
        if (this.#run !== run) return;
        last = e as VolcEngineRTCError;
        if (!RETRYABLE.has(last.code)) return this.#giveUp(run, last);
      }
    }
    this.#giveUp(run, rtcError(ERROR_CODES.CONNECTION_LOST, `could not reconnect in ${r.maxAttempts} attempts (last: ${last.reason})`));
  }

  /** Resume the session; if the server no longer has it, join afresh with the original token. */
  async #resumeOrJoin(conn: Connection, s: Session, run: object): Promise<void> {
    if (s.resumeToken !== undefined) {
      try {
        this.#awaiting = conn;
        this.#early = [];
        await conn.request({ type: 'resume', sessionId: s.sessionId, resumeToken: s.resumeToken, lastSeq: s.lastSeq });
        if (this.#run !== run) return conn.close('the reconnect was cancelled');
        this.stats.resumes++;
        this.#adopt(conn);
        this.#flushEarly(conn);
        const g = this.#gate;
        this.#gate = undefined;
        g?.open(); // calls in flight are resent, queued ones go out now
        this.#reports.resume();
        return;
      } catch (e) {
        this.#awaiting = undefined;
        const code = (e as VolcEngineRTCError).code;
        // Refused (grace period over, events missed): join afresh. KICKED (taken over) and
        // connection failures go back to the loop, which gives up or tries again.
        if (code !== ERROR_CODES.NOT_IN_ROOM && code !== ERROR_CODES.INVALID_PARAMS) throw e;
      }
    }
    const data = await this.#joinRequest(conn, s.token, s.roomId, s.userId);
    if (this.#run !== run) {
      await conn.request({ type: 'leave' }).catch(() => undefined);
      return conn.close('the reconnect was cancelled');
    }
    this.stats.freshJoins++;
    // A new session: what the calls in flight or queued meant belonged to the old one.
    const g = this.#gate;
    this.#gate = undefined;
    g?.fail(rtcError(ERROR_CODES.CONNECTION_LOST, 'the connection was lost and the session could not be resumed; the call was not applied'));
    s.sessionId = data.sessionId;
    s.resumeToken = data.resumeToken;
    s.tokenExpireAt = data.tokenExpireAt;
    s.lastSeq = 0;
    this.#adopt(conn);
    this.#announceDifferences(s, data);
    this.#flushEarly(conn);
    this.#reports.resume();
    void this.#restore(s);
  }

  #adopt(conn: Connection): void {
    this.#conn = conn;
    this.#run = undefined;
    this.#setConnState('connected');
  }

  /** After a fresh join: tell the app how the room changed while it was away. */
  #announceDifferences(s: Session, data: JoinData): void {
    const key = (uid: string, screen: boolean): string => `${screen ? 's' : 'm'}:${uid}`;
    const peers = new Set(data.peers.filter((p) => p !== s.userId));
    const streams = new Map(data.streams.filter((x) => x.uid !== s.userId).map((x) => [key(x.uid, x.screen), x]));
    for (const [k, old] of [...s.streams]) {
      if (!streams.has(k)) this.#deliver(s, EVENTS.STREAM_REMOVED, { uid: old.uid, screen: old.screen });
    }
    for (const uid of [...s.peers]) if (!peers.has(uid)) this.#deliver(s, EVENTS.PEER_LEAVE, { uid, reason: 'timeout' });
    for (const uid of peers) if (!s.peers.has(uid)) this.#deliver(s, EVENTS.PEER_ONLINE, { uid });
    for (const [k, now] of streams) {
      const old = s.streams.get(k);
      const p = { uid: now.uid, screen: now.screen };
      if (!old) this.#deliver(s, EVENTS.STREAM_ADDED, streamAdded(now));
      else {
        if (old.audio !== now.audio) this.#deliver(s, now.audio ? EVENTS.UNMUTE_AUDIO : EVENTS.MUTE_AUDIO, p);
        if (old.video !== now.video) this.#deliver(s, now.video ? EVENTS.UNMUTE_VIDEO : EVENTS.MUTE_VIDEO, p);
      }
    }
  }

  /**
   * After a fresh join: publish and subscribe again as before, handing out the new URLs. These
   * are ordinary calls: a drop in the middle resumes and resends them like any other.
   */
  async #restore(s: Session): Promise<void> {
    const gone = (e: unknown): boolean => {
      const code = (e as VolcEngineRTCError).code;
      // Left, destroyed or given up meanwhile: DISCONNECT (or the app's leave) said it all.
      return this.#session !== s || code === ERROR_CODES.CONNECTION_LOST || code === ERROR_CODES.NOT_IN_ROOM;
    };
    const failed = (what: string, e: unknown): void => {
      const err = e as VolcEngineRTCError;
      this.emitError(rtcError(typeof err.code === 'number' ? err.code : ERROR_CODES.INTERNAL_ERROR, `${what} after the reconnect failed: ${err.reason ?? String(e)}`));
    };
    if (s.publishing) {
      try {
        const url = asUrl(await this.#request(s, { type: 'publish', screen: false }));
        if (!url) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'the server answered without a URL');
        s.pushUrl = url;
        this.#emit(EVENTS.UPDATE_URL, { uid: s.userId, screen: false, url });
        if (s.audioOff || s.videoOff) await this.#request(s, { type: 'muteLocal', audio: s.audioOff, video: s.videoOff });
      } catch (e) {
        if (gone(e)) return;
        s.publishing = false;
        s.pushUrl = undefined;
        failed('publish', e);
      }
    }
    for (const sub of s.subscriptions) {
      if (!s.streams.has(`${sub.screen ? 's' : 'm'}:${sub.uid}`)) {
        s.removeSubscription(sub.uid, sub.screen);
        continue;
      }
      try {
        const url = asUrl(await this.#request(s, { type: 'subscribe', userId: sub.uid, screen: sub.screen, audio: sub.audio, video: sub.video }));
        if (!url) throw rtcError(ERROR_CODES.PROTOCOL_ERROR, 'the server answered without a URL');
        this.#emit(EVENTS.UPDATE_URL, { uid: sub.uid, screen: sub.screen, url });
        if (sub.pausedAudio || sub.pausedVideo) {
          await this.#request(s, { type: 'muteRemote', userId: sub.uid, screen: sub.screen, audio: sub.pausedAudio, video: sub.pausedVideo });
        }
      } catch (e) {
        if (gone(e)) return;
        s.removeSubscription(sub.uid, sub.screen);
        failed(`subscribe to ${sub.uid}`, e);
      }
    }
  }

  #giveUp(run: object, err: VolcEngineRTCError): void {
    if (this.#run !== run) return;
    this.stats.gaveUp++;
    this.#outOfRoom({ code: err.code, reason: err.reason });
  }

  /** A cancellable backoff wait: leave and destroy must not leave a timer behind. */
  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.#sleep?.wake === wake) this.#sleep = undefined;
        resolve();
      };
      this.#sleep = { timer: startTimer(wake, ms), wake };
    });
  }

  #stopReconnect(err: VolcEngineRTCError): void {
    this.#run = undefined;
    const sleep = this.#sleep;
    this.#sleep = undefined;
    if (sleep) {
      stopTimer(sleep.timer);
      sleep.wake();
    }
    const trying = this.#trying;
    this.#trying = undefined;
    trying?.close('the reconnect was cancelled');
    this.#awaiting = undefined;
    this.#early = [];
    const g = this.#gate;
    this.#gate = undefined;
    g?.fail(err);
  }

  #outOfRoom(why: { code: number; reason: string }): void {
    const g = this.#gate;
    this.#gate = undefined;
    g?.fail(rtcError(ERROR_CODES.CONNECTION_LOST, `the connection was lost: ${why.reason}`));
    this.#dropConnection(why.reason);
    if (this.#phase === 'inRoom') this.#phase = 'initialised';
    this.#emit(EVENTS.DISCONNECT, { code: why.code, reason: why.reason });
  }

  #serverEvent(conn: Connection, name: string, data: unknown, seq: number | undefined): void {
    if (this.#awaiting === conn) {
      this.#early.push([name, data, seq]);
      return;
    }
    // Only the events a server may send; a newer server's unknown events are ignored, and the
    // client's own (ERROR, CONNECTION_STATE_CHANGED) cannot be forged.
    if (this.#conn !== conn) return;
    const s = this.#session;
    if (s && seq !== undefined) {
      if (seq <= s.lastSeq) return; // already delivered before the socket dropped
      s.lastSeq = seq;
    }
    if (!SERVER_EVENTS.has(name)) return;
    const payload = asEventPayload(name, data);
    if (!payload) {
      this.emitError(rtcError(ERROR_CODES.PROTOCOL_ERROR, `the server sent a malformed "${name}" event`));
      return;
    }
    if (name === EVENTS.DISCONNECT) {
      if (this.#phase === 'inRoom') this.#outOfRoom(payload as { code: number; reason: string });
      return;
    }
    if (!s) return; // events before the join answer belong to no room yet
    const uid = payload.uid as string;
    if (name === EVENTS.STREAM_FAILED && uid === s.userId && payload.screen !== true) {
      // The push failed: publish may be called again (the server then reissues the URL).
      s.publishing = false;
      s.pushUrl = undefined;
    }
    if (name === EVENTS.UPDATE_URL && uid === s.userId && payload.screen !== true && typeof payload.url === 'string') {
      s.pushUrl = payload.url;
    }
    this.#deliver(s, name, payload);
  }

  /** Tells the app, keeping the session's view of the room in step. */
  #deliver(s: Session, name: string, payload: Record<string, unknown>): void {
    if (typeof payload.uid === 'string' && payload.uid !== s.userId) s.track(name, payload);
    this.#emit(name, payload);
  }
}

export function createRuntime(options?: ClientOptions): ClientRuntime {
  return new Runtime(options);
}
