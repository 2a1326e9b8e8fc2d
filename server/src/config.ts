import type { MediaPlane } from './media/plane.js';
import { DEFAULT_LIMITS, type Limits } from './rooms/limits.js';
import type { RoomStore } from './rooms/store.js';

export interface ServerConfig {
  /** appId (24 characters) -> appKey. Apps are isolated: rooms are keyed by app. */
  apps: Record<string, string> | Map<string, string>;
  port?: number; // default 8080; 0 picks a free port
  host?: string; // default 127.0.0.1
  /** WebSocket path; default '/' (any path is accepted when unset). */
  path?: string;
  limits?: Partial<Limits>;
  /** The media relay. Default: URLs for an external relay, unchecked (see media-less.ts). */
  media?: MediaPlane;
  /** Room state. Default: in memory (one process). */
  store?: RoomStore;
  /** A socket that has not joined within this is closed (4003). Default 15000. */
  joinTimeoutMs?: number;
  /** A socket that sends nothing (not even a ping) for this long is closed (4000). Default 60000. */
  idleTimeoutMs?: number;
  /** How long before the token expires 'token-will-expire' is sent. Default 30000. */
  tokenWarnBeforeMs?: number;
  /** Larger text frames are refused with PROTOCOL_ERROR; the socket stays. Default 64 KiB. */
  maxFrameBytes?: number;
  /** Frames above this are cut off by the WebSocket layer (close 1009). Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Joins per IP per window; more get RATE_LIMITED. Default 120 per 10 s. */
  joinRateLimit?: { max: number; windowMs: number };
  /** Report items kept per user (oldest dropped first). Default 1000. */
  reportsPerUser?: number;
  /** Requests one socket may have waiting; more are refused at once with RATE_LIMITED. Default 100. */
  maxPendingRequests?: number;
  /**
   * How long a session outlives its dropped socket, waiting for a `resume`. A shorter drop is
   * invisible to the others; a longer one is a leave (peer-leave reason 'timeout'). 0 = leave at
   * once. Default 20000: longer than the SDK's default heartbeat timeout (15 s) plus its first
   * backoff, so a drop that only the server saw at once is still resumed.
   */
  resumeGraceMs?: number;
}

export interface ResolvedConfig {
  apps: Map<string, string>;
  port: number;
  host: string;
  path: string | undefined;
  limits: Limits;
  joinTimeoutMs: number;
  idleTimeoutMs: number;
  tokenWarnBeforeMs: number;
  maxFrameBytes: number;
  maxPayloadBytes: number;
  joinRateLimit: { max: number; windowMs: number };
  reportsPerUser: number;
  maxPendingRequests: number;
  resumeGraceMs: number;
}

export function resolveConfig(c: ServerConfig): ResolvedConfig {
  const apps = c.apps instanceof Map ? new Map(c.apps) : new Map(Object.entries(c.apps ?? {}));
  for (const [appId, appKey] of apps) {
    if (typeof appId !== 'string' || appId.length !== 24) throw new TypeError(`appId ${JSON.stringify(appId)} must be 24 characters`);
    if (typeof appKey !== 'string' || appKey.length === 0) throw new TypeError(`appKey of ${appId} must be a non-empty string`);
  }
  const limits = { ...DEFAULT_LIMITS, ...(c.limits ?? {}) };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative integer`);
  }
  return {
    apps,
    port: c.port ?? 8080,
    host: c.host ?? '127.0.0.1',
    path: c.path,
    limits,
    joinTimeoutMs: c.joinTimeoutMs ?? 15_000,
    idleTimeoutMs: c.idleTimeoutMs ?? 60_000,
    tokenWarnBeforeMs: c.tokenWarnBeforeMs ?? 30_000,
    maxFrameBytes: c.maxFrameBytes ?? 64 * 1024,
    maxPayloadBytes: c.maxPayloadBytes ?? 1024 * 1024,
    joinRateLimit: c.joinRateLimit ?? { max: 120, windowMs: 10_000 },
    reportsPerUser: c.reportsPerUser ?? 1000,
    maxPendingRequests: c.maxPendingRequests ?? 100,
    resumeGraceMs: nonNegative('resumeGraceMs', c.resumeGraceMs ?? 20_000),
  };
}

function nonNegative(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new TypeError(`${name} must be a non-negative integer (ms)`);
  return v;
}
