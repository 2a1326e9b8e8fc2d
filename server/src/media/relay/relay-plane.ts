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
import { MediaEvents } from '../events.js';
import { GrantBook, type PushGrant } from '../grants.js';
import { pathId, relayPath, type RelayPath } from '../names.js';
import type { Query } from '../signing.js';
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

/** A live push is one node-media-server session; a play grant's players are sessions, each with its gate. */
type Gates = Map<NmsSession, DeliveryGate>;

export interface PlayUrls {
  rtmp: string;
  /** HTTP-FLV URL for the same grant, or null when HTTP-FLV is disabled. */
  flv: string | null;
}

// node-media-server keeps its state in module singletons: two live instances would share them.
let running: RelayMediaPlane | null = null;

export class RelayMediaPlane implements MediaPlane {
  private cfg: ResolvedRelayConfig | null = null;
  private nms: NmsInstance | null = null;
  private storeDir: string | null = null;
  // Signs the relay's own check for sessions we accepted; never leaves this process.
  private readonly innerSecret = randomBytes(24).toString('base64url');
  private readonly events = new MediaEvents();
  private readonly grants = new GrantBook<NmsSession, Gates>({
    settings: () => this.requireStarted(),
    pathOf: relayPath,
    emit: (event) => this.events.emit(event),
    newPlayers: () => new Map(),
    endPublisher: (session) => destroySession(session),
    dropPlayers: (state) => {
      for (const session of state.players.keys()) destroySession(session);
      state.players.clear();
    },
  });
  private readonly pendingPush = new Map<string, PushGrant<NmsSession>>();
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
    this.sweeper = setInterval(() => this.grants.sweep(), 60_000);
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

  private async teardown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.grants.clear();
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
    return this.events.on(listener);
  }

  issuePushUrl(key: StreamKey, expireAt: number): string {
    const cfg = this.requireStarted();
    const { path, query } = this.grants.issuePush(key, expireAt);
    return `rtmp://${cfg.publicHost}:${cfg.rtmpPort}/${path.app}/${path.stream}?${query}`;
  }

  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    return this.issuePlayUrls(key, subscriberId, options, expireAt).rtmp;
  }

  /** The same play grant over RTMP and HTTP-FLV (<live-player> takes either). */
  issuePlayUrls(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): PlayUrls {
    const cfg = this.requireStarted();
    const { path, query } = this.grants.issuePlay(key, subscriberId, options, expireAt);
    return {
      rtmp: `rtmp://${cfg.publicHost}:${cfg.rtmpPort}/${path.app}/${path.stream}?${query}`,
      flv: cfg.httpPort === null ? null : `http://${cfg.publicHost}:${cfg.httpPort}/${path.app}/${path.stream}.flv?${query}`,
    };
  }

  endPush(key: StreamKey, reason: string): void {
    this.grants.endPush(key, reason);
  }

  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    const state = this.grants.setPaused(key, subscriberId, paused);
    if (!state) return;
    for (const gate of state.players.values()) gate.setPaused(state.paused);
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.grants.endPlay(key, subscriberId);
  }

  private onPrePublish(session: NmsSession): void {
    const state = this.authorise(session, (path, query) => this.grants.admitPush(path, query));
    if (!state) return;
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
    if (this.grants.pushAt(state.path) !== state || state.live) {
      destroySession(session);
      return;
    }
    // The close callback always runs later (an event or a microtask), after the grant went live.
    onSessionClosed(session, () => this.grants.pushLeft(state, session));
    this.grants.pushStarted(state, session);
  }

  private onPrePlay(session: NmsSession): void {
    const state = this.authorise(session, (path, query) => this.grants.admitPlay(path, query));
    if (!state) return;
    // A player has no business sending media; the relay would forward it to everyone.
    if (session.rtmp) session.rtmp.onPacketCallback = () => {};
    const gate = new DeliveryGate({ audio: state.tracks === 'av' || state.tracks === 'a', video: state.tracks === 'av' || state.tracks === 'v' });
    gate.setPaused(state.paused);
    state.players.set(session, gate);
    onSessionClosed(session, () => state.players.delete(session));
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

  /**
   * The grant a session may use, or null when it was refused (or the relay is not started). An
   * admitted session gets a signature in the relay's own format, made with our inner secret, so
   * the relay's own check lets it pass.
   */
  private authorise<G>(session: NmsSession, check: (path: RelayPath, query: Query) => G | null): G | null {
    if (!this.cfg) return null;
    const path = { app: session.streamApp, stream: session.streamName };
    const grant = check(path, session.streamQuery ?? {});
    if (!grant) {
      this.refuse(session);
      return null;
    }
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const hash = createHash('md5').update(`${pathId(path)}-${exp}-${this.innerSecret}`).digest('hex');
    session.streamQuery.sign = `${exp}-${hash}`;
    return grant;
  }

  /** Makes the relay's own check fail (so it never registers the session), and cuts it off. */
  private refuse(session: NmsSession): void {
    if (session.streamQuery && typeof session.streamQuery === 'object') session.streamQuery.sign = 'refused';
    else session.streamQuery = { sign: 'refused' };
    destroySession(session);
  }

  private requireStarted(): ResolvedRelayConfig {
    if (!this.cfg || !this.nms) throw new Error('relay not started');
    return this.cfg;
  }
}
