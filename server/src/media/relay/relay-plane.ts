// The embedded relay: node-media-server v4 on loopback (or any bind address), driven by room
// state. node-media-server's own URL signing uses one formula for publish and play, so we
// authorise every session ourselves in prePublish/prePlay and then hand the relay a signature of
// its own (made with a private per-process secret) only for the sessions we accept.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../plane.js';
import { pathId, relayPath, type RelayPath } from '../names.js';
import { newNonce, signGrant, tracksOf, verifyGrant, type Tracks } from '../signing.js';
import { resolveConfig, type RelayConfig, type ResolvedRelayConfig } from './config.js';
import { DeliveryGate, rewriteFlvHeader } from './gate.js';
import { classifyFlv, classifyRtmp } from './tags.js';
import {
  destroySession,
  NodeMediaServer,
  nmsContext,
  pinLogLevel,
  onSessionClosed,
  type NmsEvent,
  type NmsInstance,
  type NmsSession,
} from './nms.js';

interface PushState {
  key: StreamKey;
  path: RelayPath;
  nonce: string;
  expireAt: number;
  timer: NodeJS.Timeout | null;
  session: NmsSession | null;
}

interface PlayState {
  key: StreamKey;
  path: RelayPath;
  subscriberId: string;
  tracks: Tracks;
  nonce: string;
  expireAt: number;
  paused: boolean;
  gates: Map<NmsSession, DeliveryGate>;
}

export interface PlayUrls {
  rtmp: string;
  /** HTTP-FLV URL for the same grant, or null when HTTP-FLV is disabled. */
  flv: string | null;
}

// node-media-server keeps its state in module singletons: two live instances would share them.
let running: RelayMediaPlane | null = null;

function playId(path: RelayPath, subscriberId: string): string {
  return `${pathId(path)}\n${subscriberId}`;
}

/** Unix seconds as given, or already expired when the value is not a usable time. */
function normaliseExpiry(expireAt: number): number {
  if (!Number.isFinite(expireAt) || expireAt < 0) return 1;
  return Math.min(Math.floor(expireAt), 999_999_999_999);
}

export class RelayMediaPlane implements MediaPlane {
  private cfg: ResolvedRelayConfig | null = null;
  private nms: NmsInstance | null = null;
  private storeDir: string | null = null;
  // Signs the relay's own check for sessions we accepted; never leaves this process.
  private readonly innerSecret = randomBytes(24).toString('base64url');
  private readonly listeners = new Set<(event: MediaEvent) => void>();
  private readonly pushes = new Map<string, PushState>();
  private readonly plays = new Map<string, PlayState>();
  private readonly pendingPush = new Map<string, PushState>();
  private sweeper: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  private readonly hooks: Array<[NmsEvent, (session: NmsSession) => void]> = [
    ['prePublish', (s) => this.onPrePublish(s)],
    ['postPublish', (s) => this.onPostPublish(s)],
    ['prePlay', (s) => this.onPrePlay(s)],
  ];

  constructor(private readonly config: RelayConfig) {}

  /** Ports actually in use (after start). */
  get ports(): { rtmp: number; http: number | null } {
    const cfg = this.requireStarted();
    return { rtmp: cfg.rtmpPort, http: cfg.httpPort };
  }

  start(): Promise<void> {
    if (this.starting) return this.starting;
    if (running) return Promise.reject(new Error('an embedded relay is already running in this process'));
    running = this;
    this.starting = this.boot().catch(async (err: unknown) => {
      await this.teardown();
      running = null;
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  private async boot(): Promise<void> {
    const cfg = await resolveConfig(this.config);
    this.cfg = cfg;
    this.storeDir = mkdtempSync(join(tmpdir(), 'mprtc-relay-'));
    // Its constructor forces debug logging; pin the level we were given instead.
    pinLogLevel(cfg.logLevel);
    const nms = new NodeMediaServer({
      bind: cfg.host,
      rtmp: { port: cfg.rtmpPort },
      ...(cfg.httpPort !== null ? { http: { port: cfg.httpPort } } : {}),
      auth: { publish: true, play: true, secret: this.innerSecret },
      store: { path: this.storeDir },
      webadmin: { enable: false },
    });
    this.nms = nms;

    // The relay exits the process when a port is taken; a library must report it instead.
    let listenFailed: (err: Error) => void = () => {};
    const failure = new Promise<never>((_, reject) => {
      listenFailed = reject;
    });
    failure.catch(() => {});
    nms.rtmpServer.handleListenError = () => (err) => listenFailed(err);
    const http = nms.httpServer.httpServer;
    if (http) {
      http.removeAllListeners('error');
      http.on('error', (err) => listenFailed(err));
    }
    for (const [event, hook] of this.hooks) nmsContext.eventEmitter.on(event, hook);

    await nms.run();
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
    const servers = [nms.rtmpServer.tcpServer, http].filter((s) => s !== undefined);
    await Promise.race([
      Promise.all(servers.map((s) => (s.listening ? undefined : once(s, 'listening')))),
      failure,
    ]);
  }

  async stop(): Promise<void> {
    if (!this.starting) return;
    await this.starting.catch(() => undefined);
    await this.teardown();
    if (running === this) running = null;
    this.starting = null;
  }

  /** Forgets URLs that expired unused, so streams nobody ended do not pile up. */
  private sweep(): void {
    const now = this.cfg?.now() ?? 0;
    const expired = (expireAt: number) => expireAt !== 0 && expireAt < now;
    for (const [id, state] of this.pushes) {
      if (!expired(state.expireAt) || state.session) continue;
      if (state.timer) clearTimeout(state.timer);
      this.pushes.delete(id);
    }
    for (const [id, state] of this.plays) if (expired(state.expireAt) && state.gates.size === 0) this.plays.delete(id);
  }

  private async teardown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const state of this.pushes.values()) if (state.timer) clearTimeout(state.timer);
    this.pushes.clear();
    this.plays.clear();
    this.pendingPush.clear();
    for (const [event, hook] of this.hooks) nmsContext.eventEmitter.off(event, hook);
    const nms = this.nms;
    this.nms = null;
    if (nms) {
      for (const session of [...nmsContext.sessions.values()]) destroySession(session);
      const servers = [nms.rtmpServer.tcpServer, nms.httpServer.httpServer].filter(
        (s) => s !== undefined && s.listening,
      );
      const closed = servers.map((s) => once(s!, 'close'));
      await nms.stop();
      nms.httpServer.httpServer?.closeAllConnections();
      await Promise.all(closed);
      nmsContext.broadcasts.clear();
    }
    if (this.storeDir) rmSync(this.storeDir, { recursive: true, force: true });
    this.storeDir = null;
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  issuePushUrl(key: StreamKey, expireAt: number): string {
    const cfg = this.requireStarted();
    const path = relayPath(key);
    const id = pathId(path);
    // One valid push URL per stream: a new one revokes the previous one and its session.
    this.revokePush(id, 'push URL reissued');
    const state: PushState = { key: { ...key }, path, nonce: newNonce(), expireAt: normaliseExpiry(expireAt), timer: null, session: null };
    state.timer = setTimeout(() => {
      if (this.pushes.get(id) !== state || state.session) return;
      this.pushes.delete(id);
      this.emit({ type: 'push-timeout', key: state.key, reason: `no push arrived within ${cfg.pushTimeoutMs} ms` });
    }, cfg.pushTimeoutMs);
    state.timer.unref();
    this.pushes.set(id, state);
    const query = signGrant(cfg.secret, { purpose: 'push', path, expireAt: state.expireAt, nonce: state.nonce });
    return `rtmp://${cfg.publicHost}:${cfg.rtmpPort}/${path.app}/${path.stream}?${query}`;
  }

  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    return this.issuePlayUrls(key, subscriberId, options, expireAt).rtmp;
  }

  /** The same play grant over RTMP and HTTP-FLV (<live-player> takes either). */
  issuePlayUrls(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): PlayUrls {
    const cfg = this.requireStarted();
    const path = relayPath(key);
    const id = playId(path, subscriberId);
    const previous = this.plays.get(id);
    this.revokePlay(id);
    const tracks = tracksOf({ audio: options?.audio === true, video: options?.video === true });
    const state: PlayState = {
      key: { ...key },
      path,
      subscriberId,
      tracks,
      nonce: newNonce(),
      expireAt: normaliseExpiry(expireAt),
      // A mute (setPlayPaused) belongs to the subscriber and stream, not to one URL.
      paused: previous?.paused ?? false,
      gates: new Map(),
    };
    this.plays.set(id, state);
    const query = signGrant(cfg.secret, {
      purpose: 'play',
      path,
      subscriber: subscriberId,
      tracks,
      expireAt: state.expireAt,
      nonce: state.nonce,
    });
    return {
      rtmp: `rtmp://${cfg.publicHost}:${cfg.rtmpPort}/${path.app}/${path.stream}?${query}`,
      flv: cfg.httpPort === null ? null : `http://${cfg.publicHost}:${cfg.httpPort}/${path.app}/${path.stream}.flv?${query}`,
    };
  }

  endPush(key: StreamKey, reason: string): void {
    this.revokePush(pathId(relayPath(key)), String(reason));
  }

  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    const state = this.plays.get(playId(relayPath(key), subscriberId));
    if (!state) return;
    state.paused = paused === true;
    for (const gate of state.gates.values()) gate.setPaused(state.paused);
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.revokePlay(playId(relayPath(key), subscriberId));
  }

  private revokePush(id: string, reason: string): void {
    const state = this.pushes.get(id);
    if (!state) return;
    this.pushes.delete(id);
    if (state.timer) clearTimeout(state.timer);
    const session = state.session;
    if (session) {
      state.session = null; // so its close does not report a second stop
      destroySession(session);
      this.emit({ type: 'push-stopped', key: state.key, reason });
    }
  }

  private revokePlay(id: string): void {
    const state = this.plays.get(id);
    if (!state) return;
    this.plays.delete(id);
    for (const session of state.gates.keys()) destroySession(session);
    state.gates.clear();
  }

  private onPrePublish(session: NmsSession): void {
    const cfg = this.cfg;
    if (!cfg) return;
    const path = { app: session.streamApp, stream: session.streamName };
    const id = pathId(path);
    const verdict = verifyGrant(cfg.secret, 'push', path, session.streamQuery ?? {}, cfg.now());
    const state = this.pushes.get(id);
    if (!verdict.ok) return this.refuse(session);
    if (!state || state.nonce !== verdict.grant.nonce || state.session) return this.refuse(session);
    this.admit(session, id);
    // Without a grace window the path is free as soon as the publisher leaves, and a newcomer
    // from the same address cannot "resume" someone else's publish.
    session.broadcast.publishGraceMs = 0;
    this.pendingPush.set(session.id, state);
  }

  private onPostPublish(session: NmsSession): void {
    const state = this.pendingPush.get(session.id);
    this.pendingPush.delete(session.id);
    if (!state) return;
    // The relay refuses a second publisher right after this event; only a free path is ours.
    if (session.broadcast.publisher !== null) return;
    if (this.pushes.get(pathId(state.path)) !== state || state.session) {
      destroySession(session);
      return;
    }
    state.session = session;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    onSessionClosed(session, () => {
      if (state.session !== session) return;
      state.session = null;
      this.emit({ type: 'push-stopped', key: state.key, reason: 'publisher disconnected' });
    });
    this.emit({ type: 'push-started', key: state.key });
  }

  private onPrePlay(session: NmsSession): void {
    const cfg = this.cfg;
    if (!cfg) return;
    const path = { app: session.streamApp, stream: session.streamName };
    const verdict = verifyGrant(cfg.secret, 'play', path, session.streamQuery ?? {}, cfg.now());
    if (!verdict.ok || verdict.grant.purpose !== 'play') return this.refuse(session);
    const state = this.plays.get(playId(path, verdict.grant.subscriber));
    if (!state || state.nonce !== verdict.grant.nonce) return this.refuse(session);
    this.admit(session, pathId(path));
    // A player has no business sending media; the relay would forward it to everyone.
    if (session.rtmp) session.rtmp.onPacketCallback = () => {};
    const gate = new DeliveryGate({ audio: state.tracks === 'av' || state.tracks === 'a', video: state.tracks === 'av' || state.tracks === 'v' });
    gate.setPaused(state.paused);
    state.gates.set(session, gate);
    onSessionClosed(session, () => state.gates.delete(session));
    const classify = session.protocol === 'flv' ? classifyFlv : classifyRtmp;
    const send = session.sendBuffer;
    session.sendBuffer = (buffer: Buffer) => {
      const kind = classify(buffer);
      const broadcast = session.broadcast;
      const sourceHasVideo = broadcast.rtmpVideoHeader !== null || broadcast.flvVideoHeader !== null;
      if (!gate.admit(kind, sourceHasVideo)) return;
      send(kind === 'stream-header' ? rewriteFlvHeader(buffer, gate.tracks) : buffer);
    };
  }

  /** Lets the relay's own check pass: a signature in its format, made with our inner secret. */
  private admit(session: NmsSession, id: string): void {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const hash = createHash('md5').update(`${id}-${exp}-${this.innerSecret}`).digest('hex');
    session.streamQuery.sign = `${exp}-${hash}`;
  }

  /** Makes the relay's own check fail (so it never registers the session), and cuts it off. */
  private refuse(session: NmsSession): void {
    if (session.streamQuery && typeof session.streamQuery === 'object') session.streamQuery.sign = 'refused';
    else session.streamQuery = { sign: 'refused' };
    destroySession(session);
  }

  private emit(event: MediaEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not take the relay down with it.
      }
    }
  }

  private requireStarted(): ResolvedRelayConfig {
    if (!this.cfg || !this.nms) throw new Error('relay not started');
    return this.cfg;
  }
}
