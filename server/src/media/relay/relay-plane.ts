// The embedded relay, run in its own process. This side (the server process) keeps every grant
// and every decision; the relay process (child/main.ts) runs the guard fronts on the public
// ports and node-media-server behind them, and asks here over IPC before any publish or play
// reaches the library. If the relay process dies, signaling is untouched: live pushes are
// reported stopped (the room logic turns that into stream-failed / stream-removed), and the
// process is restarted with back-off on the same ports.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../plane.js';
import { MediaEvents } from '../events.js';
import { GrantBook, type PlayGrant, type PushGrant } from '../grants.js';
import { relayPath } from '../names.js';
import { resolveConfig, type RelayConfig, type ResolvedRelayConfig } from './config.js';
import type { ChildConfig, ToRelay, ToServer } from './ipc.js';

export interface PlayUrls {
  rtmp: string;
  /** HTTP-FLV URL for the same grant, or null when HTTP-FLV is disabled. */
  flv: string | null;
}

/** What happens to the relay process, for logs and metrics. */
export type RelayEvent =
  /** The relay process died; live pushes were reported stopped; a restart follows after restartInMs. */
  | { type: 'relay-exit'; pid: number; code: number | null; signal: string | null; restartInMs: number }
  /** A new relay process is listening again (attempt counts restarts since the last stable run). */
  | { type: 'relay-restart'; pid: number; attempt: number }
  /** The relay process answered no ping for heartbeatTimeoutMs (stuck); it is killed, relay-exit follows. */
  | { type: 'relay-unresponsive'; pid: number; silentMs: number }
  /** A restart attempt failed (e.g. the port is taken); another follows after retryInMs. */
  | { type: 'relay-restart-failed'; message: string; retryInMs: number }
  /** A line from the relay process (guard refusal summaries, contained library errors). */
  | { type: 'relay-log'; level: 'error' | 'warn' | 'info'; message: string };

type Players = Set<string>;
const CHILD_ENTRY = fileURLToPath(new URL('./child/main.ts', import.meta.url));

/** Node arguments that load the TypeScript entry (the server itself runs from source through tsx). */
function entryArgs(): string[] {
  const tsx = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return ['--import', pathToFileURL(join(tsx, 'dist/loader.mjs')).href, CHILD_ENTRY];
}
/** A relay process that ran this long is stable: the next crash restarts it at the first delay. */
const STABLE_MS = 30_000;
const STOP_GRACE_MS = 2_000;

export class RelayMediaPlane implements MediaPlane {
  private cfg: ResolvedRelayConfig | null = null;
  private child: ChildProcess | null = null;
  private childStartedAt = 0;
  private childReady = false;
  private storeDir: string | null = null;
  private starting: Promise<void> | null = null;
  private stopping = false;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly events = new MediaEvents();
  private readonly relayListeners = new Set<(event: RelayEvent) => void>();
  private readonly grants = new GrantBook<string, Players>({
    settings: () => this.requireStarted(),
    pathOf: relayPath,
    emit: (event) => this.events.emit(event),
    newPlayers: () => new Set(),
    endPublisher: (id) => {
      this.liveById.delete(id);
      this.toRelay({ t: 'drop', id });
    },
    dropPlayers: (grant) => {
      for (const id of grant.players) {
        this.playerGrant.delete(id);
        this.toRelay({ t: 'drop', id });
      }
      grant.players.clear();
    },
  });
  private readonly pendingPush = new Map<string, PushGrant<string>>();
  private readonly liveById = new Map<string, PushGrant<string>>();
  private readonly playerGrant = new Map<string, PlayGrant<Players>>();
  private sweeper: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastPong = 0;
  private pings = 0;

  constructor(private readonly config: RelayConfig) {}

  /** Ports actually in use (after start). */
  get ports(): { rtmp: number; http: number | null } {
    const cfg = this.requireStarted();
    return { rtmp: cfg.rtmpPort, http: cfg.httpPort };
  }

  /** The relay process's pid, or null while it is down. */
  get relayPid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Relay process events (exit, restart, log lines). Returns a function that removes the listener. */
  onRelayEvent(listener: (event: RelayEvent) => void): () => void {
    this.relayListeners.add(listener);
    return () => {
      this.relayListeners.delete(listener);
    };
  }

  start(): Promise<void> {
    if (this.starting) return this.starting;
    this.stopping = false;
    this.starting = this.boot().catch(async (err: unknown) => {
      await this.teardown();
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  private async boot(): Promise<void> {
    const cfg = await resolveConfig(this.config);
    this.cfg = cfg;
    await this.spawnRelay();
    this.sweeper = setInterval(() => this.grants.sweep(), 60_000);
    this.sweeper.unref();
    this.heartbeat = setInterval(() => this.checkHeartbeat(), Math.max(50, Math.floor(cfg.heartbeatTimeoutMs / 4)));
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (!this.starting) return;
    this.stopping = true;
    await this.starting.catch(() => undefined);
    await this.teardown();
    this.starting = null;
  }

  private async teardown(): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.grants.clear();
    this.pendingPush.clear();
    this.liveById.clear();
    this.playerGrant.clear();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.toRelay({ t: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.child = null;
    this.removeStore();
  }

  private removeStore(): void {
    if (this.storeDir) rmSync(this.storeDir, { recursive: true, force: true });
    this.storeDir = null;
  }

  /** Starts a relay process; resolves once it listens, rejects if it cannot. */
  private spawnRelay(): Promise<void> {
    const cfg = this.requireConfig();
    this.removeStore();
    this.storeDir = mkdtempSync(join(tmpdir(), 'mprtc-relay-'));
    const childConfig: ChildConfig & { storeDir: string } = {
      host: cfg.host,
      rtmpPort: cfg.rtmpPort,
      httpPort: cfg.httpPort,
      logLevel: cfg.logLevel,
      limits: cfg.guard,
      storeDir: this.storeDir,
    };
    const child = spawn(process.execPath, [`--max-old-space-size=${cfg.relayHeapMb}`, ...entryArgs(), JSON.stringify(childConfig)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    });
    this.child = child;
    this.childReady = false;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      child.on('message', (msg: ToServer) => {
        if (msg.t === 'ready') {
          ready = true;
          this.childReady = true;
          this.childStartedAt = Date.now();
          this.lastPong = Date.now();
          resolve();
        } else if (msg.t === 'listen-error') reject(new Error(`relay could not listen: ${msg.message}`));
        else if (this.child === child) this.fromRelay(msg);
      });
      child.on('error', (err) => {
        if (!ready) reject(err);
      });
      child.once('exit', (code, signal) => {
        if (!ready) {
          if (this.child === child) this.child = null;
          reject(new Error(`relay process exited before it was ready (code ${code}, signal ${signal})`));
          return;
        }
        this.onRelayExit(child, code, signal);
      });
    });
  }

  /** Pings the relay process; one that stayed silent past the timeout is stuck: kill it. */
  private checkHeartbeat(): void {
    const child = this.child;
    const cfg = this.cfg;
    if (!child || !cfg || this.stopping || !this.childReady || child.exitCode !== null || child.signalCode !== null) return;
    const silent = Date.now() - this.lastPong;
    if (silent > cfg.heartbeatTimeoutMs) {
      this.relayEvent({ type: 'relay-unresponsive', pid: child.pid ?? 0, silentMs: silent });
      child.kill('SIGKILL');
      return;
    }
    this.pings += 1;
    this.toRelay({ t: 'ping', n: this.pings });
  }

  private onRelayExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    // Every session lived in that process: players and publishers are gone.
    this.pendingPush.clear();
    this.liveById.clear();
    for (const [id, grant] of this.playerGrant) grant.players.delete(id);
    this.playerGrant.clear();
    this.grants.relayLost('relay process exited');
    if (Date.now() - this.childStartedAt >= STABLE_MS) this.attempt = 0;
    const delay = this.delay();
    this.relayEvent({ type: 'relay-exit', pid: child.pid ?? 0, code, signal, restartInMs: delay });
    this.scheduleRestart(delay);
  }

  private delay(): number {
    const cfg = this.requireConfig();
    return Math.min(cfg.restartDelayMs * 2 ** Math.min(this.attempt, 20), cfg.restartDelayMaxMs);
  }

  private scheduleRestart(delay: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.attempt += 1;
      this.spawnRelay().then(
        () => {
          if (this.stopping) return;
          this.relayEvent({ type: 'relay-restart', pid: this.child?.pid ?? 0, attempt: this.attempt });
        },
        (err: unknown) => {
          if (this.stopping) return;
          const next = this.delay();
          this.relayEvent({ type: 'relay-restart-failed', message: err instanceof Error ? err.message : String(err), retryInMs: next });
          const child = this.child;
          this.child = null;
          child?.kill('SIGKILL');
          this.scheduleRestart(next);
        },
      );
    }, delay);
  }

  private relayEvent(event: RelayEvent): void {
    if (this.relayListeners.size === 0 && event.type !== 'relay-log' && this.requireConfig().logLevel !== 'silent') {
      process.stderr.write(`mprtc relay: ${JSON.stringify(event)}\n`);
    }
    if (this.relayListeners.size === 0 && event.type === 'relay-log' && event.level !== 'info' && this.requireConfig().logLevel !== 'silent') {
      process.stderr.write(`mprtc relay: ${event.message}\n`);
    }
    for (const listener of [...this.relayListeners]) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not disturb the supervisor.
      }
    }
  }

  private toRelay(msg: ToRelay): void {
    const child = this.child;
    if (child?.connected) child.send(msg);
  }

  private fromRelay(msg: ToServer): void {
    switch (msg.t) {
      case 'admit':
        return this.admit(msg);
      case 'push-started': {
        const grant = this.pendingPush.get(msg.id);
        this.pendingPush.delete(msg.id);
        if (!grant) return;
        // Revoked, replaced or taken while the library was accepting it.
        if (this.grants.pushAt(grant.path) !== grant || grant.live !== null) return this.toRelay({ t: 'drop', id: msg.id });
        this.liveById.set(msg.id, grant);
        this.grants.pushStarted(grant, msg.id);
        return;
      }
      case 'closed': {
        this.pendingPush.delete(msg.id);
        const live = this.liveById.get(msg.id);
        if (live) {
          this.liveById.delete(msg.id);
          this.grants.pushLeft(live, msg.id);
        }
        const play = this.playerGrant.get(msg.id);
        if (play) {
          this.playerGrant.delete(msg.id);
          play.players.delete(msg.id);
        }
        return;
      }
      case 'pong':
        this.lastPong = Date.now();
        return;
      case 'log':
        return this.relayEvent({ type: 'relay-log', level: msg.level, message: String(msg.message).slice(0, 2000) });
    }
  }

  private admit(msg: Extract<ToServer, { t: 'admit' }>): void {
    const refuse = (): void => this.toRelay({ t: 'verdict', req: msg.req, ok: false });
    if (!this.cfg) return refuse();
    const { purpose, app, stream, query } = msg.admission;
    const path = { app, stream };
    if (purpose === 'push') {
      if (msg.admission.protocol !== 'rtmp') return refuse();
      const grant = this.grants.admitPush(path, query ?? {});
      if (!grant) return refuse();
      this.pendingPush.set(msg.id, grant);
      return this.toRelay({ t: 'verdict', req: msg.req, ok: true, tracks: 'av', paused: false });
    }
    const grant = this.grants.admitPlay(path, query ?? {});
    if (!grant) return refuse();
    grant.players.add(msg.id);
    this.playerGrant.set(msg.id, grant);
    this.toRelay({ t: 'verdict', req: msg.req, ok: true, tracks: grant.tracks, paused: grant.paused });
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
    const grant = this.grants.setPaused(key, subscriberId, paused);
    if (!grant) return;
    for (const id of grant.players) this.toRelay({ t: 'pause', id, paused: grant.paused });
  }

  extendUrl(key: StreamKey, subscriberId: string | null, expireAt: number): null {
    // The grant's expiry moves; the URL the pusher or player holds stays valid.
    this.grants.extend(key, subscriberId, expireAt);
    return null;
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.grants.endPlay(key, subscriberId);
  }

  private requireConfig(): ResolvedRelayConfig {
    if (!this.cfg) throw new Error('relay not started');
    return this.cfg;
  }

  private requireStarted(): ResolvedRelayConfig {
    if (!this.cfg || !this.starting) throw new Error('relay not started');
    return this.cfg;
  }
}
