// The media plane for a relay that runs on its own (nginx-rtmp or SRS): the server keeps every
// grant and every decision, the relay asks it through HTTP callbacks before it lets a client
// publish or play, and reports when they leave. The URLs and their MAC are the embedded relay's.
//
// What a relay of this kind cannot do, and how the plane copes (docs/media.md, External relay):
//  - it cannot hold back frames for one player: pausing kicks the player and refuses its
//    reconnects until resumed;
//  - it cannot filter tracks per player: every player gets audio and video.

import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../plane.js';
import { pathId, type RelayPath } from '../names.js';
import { newNonce, signGrant, tracksOf, verifyGrant } from '../signing.js';
import { resolveExternalConfig, type ExternalRelayConfig, type ResolvedExternalConfig } from './config.js';
import type { HookCall, LiveSession, RelayDialect } from './dialect.js';
import { HookServer } from './hook-server.js';
import { externalPath } from './names.js';
import { nginxRtmp } from './nginx-rtmp.js';
import { srs } from './srs.js';

interface PushState {
  key: StreamKey;
  path: RelayPath;
  nonce: string;
  expireAt: number;
  timer: NodeJS.Timeout | null;
  /** The relay's id of the live publisher, once on_publish was allowed. */
  clientId: string | null;
}

interface PlayState {
  key: StreamKey;
  path: RelayPath;
  subscriberId: string;
  nonce: string;
  expireAt: number;
  paused: boolean;
  /** The relay's ids of the live players admitted with this URL. */
  clients: Set<string>;
}

const DIALECTS: Record<ResolvedExternalConfig['dialect'], RelayDialect> = { 'nginx-rtmp': nginxRtmp, srs };

function playId(path: RelayPath, subscriberId: string): string {
  return `${pathId(path)}\n${subscriberId}`;
}

/** Unix seconds as given, or already expired when the value is not a usable time. */
function normaliseExpiry(expireAt: number): number {
  if (!Number.isFinite(expireAt) || expireAt < 0) return 1;
  return Math.min(Math.floor(expireAt), 999_999_999_999);
}

export class ExternalRelayPlane implements MediaPlane {
  /** What this plane can do compared with the embedded relay (for the server and the docs). */
  readonly capabilities = { filtersTracks: false, pauseKeepsConnection: false } as const;

  private readonly cfg: ResolvedExternalConfig;
  private readonly dialect: RelayDialect;
  private readonly hooks: HookServer;
  private readonly listeners = new Set<(event: MediaEvent) => void>();
  private readonly pushes = new Map<string, PushState>();
  private readonly plays = new Map<string, PlayState>();
  private readonly kicks = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | null = null;
  private started = false;

  constructor(config: ExternalRelayConfig) {
    this.cfg = resolveExternalConfig(config);
    this.dialect = DIALECTS[this.cfg.dialect];
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
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const state of this.pushes.values()) if (state.timer) clearTimeout(state.timer);
    this.pushes.clear();
    this.plays.clear();
    this.started = false;
    await this.hooks.close();
    await Promise.all([...this.kicks]);
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  issuePushUrl(key: StreamKey, expireAt: number): string {
    this.requireStarted();
    const path = externalPath(this.cfg.app, key);
    const id = pathId(path);
    // One valid push URL per stream: a new one revokes the previous one and its session.
    this.revokePush(id, 'push URL reissued');
    const state: PushState = { key: { ...key }, path, nonce: newNonce(), expireAt: normaliseExpiry(expireAt), timer: null, clientId: null };
    state.timer = setTimeout(() => {
      if (this.pushes.get(id) !== state || state.clientId !== null) return;
      this.pushes.delete(id);
      this.emit({ type: 'push-timeout', key: state.key, reason: `no push arrived within ${this.cfg.pushTimeoutMs} ms` });
    }, this.cfg.pushTimeoutMs);
    state.timer.unref();
    this.pushes.set(id, state);
    const query = signGrant(this.cfg.secret, { purpose: 'push', path, expireAt: state.expireAt, nonce: state.nonce });
    return `${this.cfg.rtmpBase}/${path.stream}?${query}`;
  }

  /**
   * The relay sends every player both tracks: `options` is signed into the URL (so the grant
   * reads the same as with the embedded relay) but not enforced; see capabilities.filtersTracks.
   */
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    this.requireStarted();
    const path = externalPath(this.cfg.app, key);
    const id = playId(path, subscriberId);
    const previous = this.plays.get(id);
    this.revokePlay(id);
    const tracks = tracksOf({ audio: options?.audio === true, video: options?.video === true });
    const state: PlayState = {
      key: { ...key },
      path,
      subscriberId,
      nonce: newNonce(),
      expireAt: normaliseExpiry(expireAt),
      // A mute belongs to the subscriber and stream, not to one URL.
      paused: previous?.paused ?? false,
      clients: new Set(),
    };
    this.plays.set(id, state);
    const query = signGrant(this.cfg.secret, {
      purpose: 'play',
      path,
      subscriber: subscriberId,
      tracks,
      expireAt: state.expireAt,
      nonce: state.nonce,
    });
    return `${this.cfg.rtmpBase}/${path.stream}?${query}`;
  }

  endPush(key: StreamKey, reason: string): void {
    this.revokePush(pathId(externalPath(this.cfg.app, key)), String(reason));
  }

  /** Pausing drops the player's sessions and refuses new ones until resumed; resuming lets it reconnect. */
  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    const state = this.plays.get(playId(externalPath(this.cfg.app, key), subscriberId));
    if (!state) return;
    state.paused = paused === true;
    if (state.paused) this.dropPlayers(state);
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.revokePlay(playId(externalPath(this.cfg.app, key), subscriberId));
  }

  private revokePush(id: string, reason: string): void {
    const state = this.pushes.get(id);
    if (!state) return;
    this.pushes.delete(id);
    if (state.timer) clearTimeout(state.timer);
    const clientId = state.clientId;
    if (clientId === null) return;
    state.clientId = null; // so its publish_done does not report a second stop
    this.kick({ role: 'publisher', app: state.path.app, stream: state.path.stream, clientId });
    this.emit({ type: 'push-stopped', key: state.key, reason });
  }

  private revokePlay(id: string): void {
    const state = this.plays.get(id);
    if (!state) return;
    this.plays.delete(id);
    this.dropPlayers(state);
  }

  private dropPlayers(state: PlayState): void {
    for (const clientId of state.clients) {
      this.kick({ role: 'player', app: state.path.app, stream: state.path.stream, clientId });
    }
    state.clients.clear();
  }

  private kick(session: LiveSession): void {
    const pending = this.dialect
      .kick(this.cfg.controlUrl, session)
      .catch((err: unknown) => {
        try {
          this.cfg.onControlError(err instanceof Error ? err : new Error(String(err)));
        } catch {
          // A faulty error handler must not take the plane down.
        }
      })
      .finally(() => this.kicks.delete(pending));
    this.kicks.add(pending);
  }

  /** Answers one relay callback: true allows it (only publish and play can be refused). */
  private decide(call: HookCall): boolean {
    if (!this.started) return false;
    if (call.action === 'other') return true;
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
    const verdict = verifyGrant(this.cfg.secret, 'push', path, call.query, this.cfg.now());
    if (!verdict.ok) return false;
    const state = this.pushes.get(pathId(path));
    // Current URL only, and one publisher per stream.
    if (!state || state.nonce !== verdict.grant.nonce || state.clientId !== null) return false;
    state.clientId = call.clientId;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    this.emit({ type: 'push-started', key: state.key });
    return true;
  }

  private onPublishDone(path: RelayPath, clientId: string): void {
    const state = this.pushes.get(pathId(path));
    if (!state || state.clientId !== clientId) return;
    // The URL stays valid, so the pusher's own reconnect is let in again.
    state.clientId = null;
    this.emit({ type: 'push-stopped', key: state.key, reason: 'publisher disconnected' });
  }

  private onPlay(path: RelayPath, call: HookCall): boolean {
    const verdict = verifyGrant(this.cfg.secret, 'play', path, call.query, this.cfg.now());
    if (!verdict.ok || verdict.grant.purpose !== 'play') return false;
    const state = this.plays.get(playId(path, verdict.grant.subscriber));
    if (!state || state.nonce !== verdict.grant.nonce || state.paused) return false;
    state.clients.add(call.clientId);
    return true;
  }

  private onPlayDone(path: RelayPath, call: HookCall): void {
    const subscriber = call.query.u;
    if (typeof subscriber === 'string') {
      this.plays.get(playId(path, subscriber))?.clients.delete(call.clientId);
      return;
    }
    // A relay that leaves the query out of its stop callback: find the client by id.
    const id = pathId(path);
    for (const state of this.plays.values()) if (pathId(state.path) === id) state.clients.delete(call.clientId);
  }

  /** Forgets URLs that expired unused, so streams nobody ended do not pile up. */
  private sweep(): void {
    const now = this.cfg.now();
    const expired = (expireAt: number) => expireAt !== 0 && expireAt < now;
    for (const [id, state] of this.pushes) {
      if (!expired(state.expireAt) || state.clientId !== null) continue;
      if (state.timer) clearTimeout(state.timer);
      this.pushes.delete(id);
    }
    for (const [id, state] of this.plays) if (expired(state.expireAt) && state.clients.size === 0) this.plays.delete(id);
  }

  private emit(event: MediaEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not disturb the plane or other listeners.
      }
    }
  }

  private requireStarted(): void {
    if (!this.started) throw new Error('external relay plane not started');
  }
}
