// The media plane for a relay that runs on its own (nginx-rtmp or SRS): the server keeps every
// grant and every decision, the relay asks it through HTTP callbacks before it lets a client
// publish or play, and reports when they leave. The URLs and their MAC are the embedded relay's.
//
// What a relay of this kind cannot do, and how the plane copes (docs/media.md, External relay):
//  - it cannot hold back frames for one player: pausing kicks the player and refuses its
//    reconnects until resumed;
//  - it cannot filter tracks per player: every player gets audio and video.

import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../plane.js';
import { MediaEvents } from '../events.js';
import { GrantBook, type PlayGrant } from '../grants.js';
import type { RelayPath } from '../names.js';
import { resolveExternalConfig, type ExternalRelayConfig, type ResolvedExternalConfig } from './config.js';
import type { HookCall, LiveSession, RelayDialect } from './dialect.js';
import { HookServer } from './hook-server.js';
import { Kicker } from './kicker.js';
import { externalPath } from './names.js';
import { nginxRtmp } from './nginx-rtmp.js';
import { srs } from './srs.js';

// A live push is the relay's id of the publisher, once on_publish was allowed; a play grant's
// players are the relay's ids of the live players admitted with its URL.
type Clients = Set<string>;

const DIALECTS: Record<ResolvedExternalConfig['dialect'], RelayDialect> = { 'nginx-rtmp': nginxRtmp, srs };

export class ExternalRelayPlane implements MediaPlane {
  /** What this plane can do compared with the embedded relay (for the server and the docs). */
  readonly capabilities = { filtersTracks: false, pauseKeepsConnection: false } as const;

  private readonly cfg: ResolvedExternalConfig;
  private readonly dialect: RelayDialect;
  private readonly hooks: HookServer;
  private readonly events = new MediaEvents();
  private readonly grants: GrantBook<string, Clients>;
  private readonly kicker: Kicker;
  private sweeper: NodeJS.Timeout | null = null;
  private started = false;

  constructor(config: ExternalRelayConfig) {
    this.cfg = resolveExternalConfig(config);
    this.dialect = DIALECTS[this.cfg.dialect];
    this.kicker = new Kicker({
      dialect: this.dialect,
      controlUrl: this.cfg.controlUrl,
      retryMs: this.cfg.controlRetryMs,
      onError: (error) => this.cfg.onControlError(error),
    });
    this.grants = new GrantBook<string, Clients>({
      settings: () => this.cfg,
      pathOf: (key) => externalPath(this.cfg.app, key),
      emit: (event) => this.events.emit(event),
      newPlayers: () => new Set(),
      endPublisher: (clientId, grant) => this.kick({ role: 'publisher', app: grant.path.app, stream: grant.path.stream, clientId }),
      dropPlayers: (grant) => this.dropPlayers(grant),
    });
    this.hooks = new HookServer({
      host: this.cfg.hookHost,
      port: this.cfg.hookPort,
      path: this.cfg.hookPath,
      token: this.cfg.hookToken,
      dialect: this.dialect,
      decide: (call) => this.decide(call),
    });
  }

  /** The URL to give the relay for every callback (it holds the shared token). Valid after start(). */
  get hookUrl(): string {
    const host = this.cfg.hookHost.includes(':') ? `[${this.cfg.hookHost}]` : this.cfg.hookHost;
    return `http://${host}:${this.hooks.port}${this.cfg.hookPath}/${this.cfg.hookToken}`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.hooks.listen();
    this.started = true;
    this.sweeper = setInterval(() => this.grants.sweep(), 60_000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.grants.clear();
    this.started = false;
    await this.hooks.close();
    await this.kicker.stop();
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    return this.events.on(listener);
  }

  issuePushUrl(key: StreamKey, expireAt: number): string {
    this.requireStarted();
    const { path, query } = this.grants.issuePush(key, expireAt);
    return `${this.cfg.rtmpBase}/${path.stream}?${query}`;
  }

  /**
   * The relay sends every player both tracks: `options` is signed into the URL (so the grant
   * reads the same as with the embedded relay) but not enforced; see capabilities.filtersTracks.
   */
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    this.requireStarted();
    const { path, query } = this.grants.issuePlay(key, subscriberId, options, expireAt);
    return `${this.cfg.rtmpBase}/${path.stream}?${query}`;
  }

  endPush(key: StreamKey, reason: string): void {
    this.grants.endPush(key, reason);
  }

  /** Pausing drops the player's sessions and refuses new ones until resumed; resuming lets it reconnect. */
  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    const state = this.grants.setPaused(key, subscriberId, paused);
    if (state?.paused) this.dropPlayers(state);
  }

  extendUrl(key: StreamKey, subscriberId: string | null, expireAt: number): null {
    // The grant's expiry moves; the URL the pusher or player holds stays valid.
    this.grants.extend(key, subscriberId, expireAt);
    return null;
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.grants.endPlay(key, subscriberId);
  }

  private dropPlayers(state: PlayGrant<Clients>): void {
    for (const clientId of state.players) {
      this.kick({ role: 'player', app: state.path.app, stream: state.path.stream, clientId });
    }
    state.players.clear();
  }

  private kick(session: LiveSession): void {
    this.kicker.kick(session);
  }

  /** Answers one relay callback: true allows it (only publish and play can be refused). */
  private decide(call: HookCall): boolean {
    if (!this.started) return false;
    if (call.action === 'other') return true;
    // A session that ended needs no drop any more, whatever app or grant it was under.
    if (call.action === 'publish-done') this.kicker.ended('publisher', call.clientId);
    if (call.action === 'play-done') this.kicker.ended('player', call.clientId);
    if (call.app !== this.cfg.app) return call.action === 'publish-done' || call.action === 'play-done';
    const path = { app: call.app, stream: call.stream };
    switch (call.action) {
      case 'publish':
        return this.onPublish(path, call);
      case 'play':
        return this.onPlay(path, call);
      case 'publish-done':
        this.onPublishDone(path, call.clientId);
        return true;
      case 'play-done':
        this.onPlayDone(path, call);
        return true;
    }
  }

  private onPublish(path: RelayPath, call: HookCall): boolean {
    const state = this.grants.admitPush(path, call.query);
    if (!state) return false;
    this.grants.pushStarted(state, call.clientId);
    return true;
  }

  private onPublishDone(path: RelayPath, clientId: string): void {
    const state = this.grants.pushAt(path);
    if (state) this.grants.pushLeft(state, clientId);
  }

  private onPlay(path: RelayPath, call: HookCall): boolean {
    const state = this.grants.admitPlay(path, call.query);
    if (!state || state.paused) return false;
    state.players.add(call.clientId);
    return true;
  }

  private onPlayDone(path: RelayPath, call: HookCall): void {
    const subscriber = call.query.u;
    if (typeof subscriber === 'string') {
      this.grants.playAt(path, subscriber)?.players.delete(call.clientId);
      return;
    }
    // A relay that leaves the query out of its stop callback: find the client by id.
    for (const state of this.grants.playsAt(path)) state.players.delete(call.clientId);
  }

  private requireStarted(): void {
    if (!this.started) throw new Error('external relay plane not started');
  }
}
