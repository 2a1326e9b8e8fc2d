import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_DEPTH } from '@mprtc/protocol';
import type { MediaPlane } from './media/plane.js';
import type { OpsConfig } from './ops/index.js';
import { DEFAULT_REPORT_LIMITS } from './reports/store.js';
import { DEFAULT_LIMITS, type Limits } from './rooms/limits.js';
import type { RoomStore } from './rooms/store.js';
import { parseRedisUrl, type RedisConfig } from './store/config.js';
import { checkTrustProxy, type TrustProxy } from './signaling/client-address.js';

/** Logs and the admin port (admin API, dashboard, metrics): see ops/index.ts. */
export interface ServerConfig extends OpsConfig {
  /** appId (24 characters) -> appKey. Apps are isolated: rooms are keyed by app. */
  apps: Record<string, string> | Map<string, string>;
  port?: number; // default 8080; 0 picks a free port
  host?: string; // default 127.0.0.1
  /** WebSocket path; default '/' (any path is accepted when unset). */
  path?: string;
  limits?: Partial<Limits>;
  /** The media relay. Default: URLs for an external relay, unchecked (see media/unchecked.ts). */
  media?: MediaPlane;
  /** Room state. Default: in memory (one process). */
  store?: RoomStore;
  /** A socket that has not joined within this is closed (4003). Default 15000. */
  joinTimeoutMs?: number;
  /** A socket that sends nothing (not even a ping) for this long is closed (4000). Default 60000. */
  idleTimeoutMs?: number;
  /** How long before the token expires 'token-will-expire' is sent. Default 30000. */
  tokenWarnBeforeMs?: number;
  /** Larger text frames are refused unparsed with PROTOCOL_ERROR; the socket stays. Default 64 KiB. */
  maxFrameBytes?: number;
  /**
   * Frames above this are refused by the WebSocket layer before they are buffered (close 1009).
   * Default maxFrameBytes + 16 KiB.
   */
  maxPayloadBytes?: number;
  /** Frames with objects/arrays nested deeper are refused unparsed with PROTOCOL_ERROR. Default 32. */
  maxFrameDepth?: number;
  /**
   * A socket whose unsent data passes this many bytes (a client that does not read) is closed
   * (4005) and its session parked as after a drop. Default 256 KiB.
   */
  sendBufferBytes?: number;
  /**
   * Frames per socket: a bucket of `burst`, refilled at `perSecond`. A frame over it is refused
   * with RATE_LIMITED; a socket that keeps sending (refusals outrunning the refill by `burst`)
   * is closed (4006). Default 50 per second, burst 200.
   */
  messageRate?: { perSecond: number; burst: number };
  /**
   * Bytes per socket: past the bucket the server stops reading the socket until it refills (TCP
   * backpressure), so a client sending big frames costs no more than this. Default 64 KiB per
   * second, burst 256 KiB.
   */
  byteRate?: { perSecond: number; burst: number };
  /** Joins and resumes per client address per window; more get RATE_LIMITED. Default 120 per 10 s. */
  joinRateLimit?: { max: number; windowMs: number };
  /**
   * Token refusals per (appId, userId) per window: past it, joins for that user id get
   * RATE_LIMITED without a token check until the window ends. Default 10 per 60 s.
   */
  tokenRefusalLimit?: { max: number; windowMs: number };
  /** Open sockets per client address; more are refused at the upgrade (HTTP 429). Default 100. */
  maxSocketsPerAddress?: number;
  /** Open sockets in total; more are refused at the upgrade (HTTP 503). Default 10000. */
  maxSockets?: number;
  /**
   * A connection must send its whole WebSocket upgrade request within this, or it gets HTTP 408
   * and is closed: connections not yet upgraded are not counted per address. Default 10000.
   */
  upgradeTimeoutMs?: number;
  /**
   * Take the client address from X-Forwarded-For: true (one proxy hop), a hop count, or the
   * proxies' addresses. Default false: the socket's address (the header is ignored).
   */
  trustProxy?: TrustProxy;
  /** Report items kept per user (oldest dropped first). Default 1000. */
  reportsPerUser?: number;
  /** Report bytes kept per user (an upper estimate of their heap), oldest dropped first. Default 256 KiB. */
  reportBytesPerUser?: number;
  /** Report bytes kept across all users (estimated as per user), oldest dropped first. Default 64 MiB. */
  reportBytesTotal?: number;
  /** A user's reports are released this long after their session ends. Default 60000. */
  reportRetentionMs?: number;
  /** Requests one socket may have waiting; more are refused at once with RATE_LIMITED. Default 100. */
  maxPendingRequests?: number;
  /**
   * How long a session outlives its dropped socket, waiting for a `resume`. A shorter drop is
   * invisible to the others; a longer one is a leave (peer-leave reason 'timeout'). 0 = leave at
   * once. Default 20000: longer than the SDK's default heartbeat timeout (15 s) plus its first
   * backoff, so a drop that only the server saw at once is still resumed.
   */
  resumeGraceMs?: number;
  /**
   * Share rooms, sessions and resume state with other nodes through Redis: a URL
   * (redis://HOST:PORT/DB) or { url, nodeTtlMs, nodeId }. Default: none (one process, in memory).
   */
  redis?: string | RedisConfig;
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
  maxFrameDepth: number;
  sendBufferBytes: number;
  messageRate: { perSecond: number; burst: number };
  byteRate: { perSecond: number; burst: number };
  joinRateLimit: { max: number; windowMs: number };
  tokenRefusalLimit: { max: number; windowMs: number };
  maxSocketsPerAddress: number;
  maxSockets: number;
  upgradeTimeoutMs: number;
  trustProxy: TrustProxy;
  reportsPerUser: number;
  reportBytesPerUser: number;
  reportBytesTotal: number;
  reportRetentionMs: number;
  maxPendingRequests: number;
  resumeGraceMs: number;
  redis: RedisConfig | null;
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
  const maxFrameBytes = positive('maxFrameBytes', c.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  return {
    apps,
    port: c.port ?? 8080,
    host: c.host ?? '127.0.0.1',
    path: c.path,
    limits,
    joinTimeoutMs: c.joinTimeoutMs ?? 15_000,
    idleTimeoutMs: c.idleTimeoutMs ?? 60_000,
    tokenWarnBeforeMs: c.tokenWarnBeforeMs ?? 30_000,
    maxFrameBytes,
    maxPayloadBytes: positive('maxPayloadBytes', c.maxPayloadBytes ?? maxFrameBytes + 16 * 1024),
    maxFrameDepth: positive('maxFrameDepth', c.maxFrameDepth ?? DEFAULT_MAX_FRAME_DEPTH),
    sendBufferBytes: positive('sendBufferBytes', c.sendBufferBytes ?? 256 * 1024),
    messageRate: rate('messageRate', c.messageRate ?? { perSecond: 50, burst: 200 }),
    byteRate: rate('byteRate', c.byteRate ?? { perSecond: 64 * 1024, burst: 256 * 1024 }),
    joinRateLimit: windowed('joinRateLimit', c.joinRateLimit ?? { max: 120, windowMs: 10_000 }),
    tokenRefusalLimit: windowed('tokenRefusalLimit', c.tokenRefusalLimit ?? { max: 10, windowMs: 60_000 }),
    maxSocketsPerAddress: positive('maxSocketsPerAddress', c.maxSocketsPerAddress ?? 100),
    maxSockets: positive('maxSockets', c.maxSockets ?? 10_000),
    upgradeTimeoutMs: positive('upgradeTimeoutMs', c.upgradeTimeoutMs ?? 10_000),
    trustProxy: checkTrustProxy(c.trustProxy ?? false),
    reportsPerUser: c.reportsPerUser ?? 1000,
    reportBytesPerUser: positive('reportBytesPerUser', c.reportBytesPerUser ?? DEFAULT_REPORT_LIMITS.bytesPerUser),
    reportBytesTotal: positive('reportBytesTotal', c.reportBytesTotal ?? DEFAULT_REPORT_LIMITS.bytesTotal),
    reportRetentionMs: nonNegative('reportRetentionMs', c.reportRetentionMs ?? DEFAULT_REPORT_LIMITS.retentionMs),
    maxPendingRequests: c.maxPendingRequests ?? 100,
    resumeGraceMs: nonNegative('resumeGraceMs', c.resumeGraceMs ?? 20_000),
    redis: redisConfig(c.redis),
  };
}

function nonNegative(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new TypeError(`${name} must be a non-negative integer (ms)`);
  return v;
}

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`${name} must be a positive integer`);
  return v;
}

function rate(name: string, v: { perSecond: number; burst: number }): { perSecond: number; burst: number } {
  if (typeof v !== 'object' || v === null || !(typeof v.perSecond === 'number' && v.perSecond > 0 && Number.isFinite(v.perSecond))) {
    throw new TypeError(`${name}.perSecond must be a positive number`);
  }
  return { perSecond: v.perSecond, burst: positive(`${name}.burst`, v.burst) };
}

function windowed(name: string, v: { max: number; windowMs: number }): { max: number; windowMs: number } {
  if (typeof v !== 'object' || v === null) throw new TypeError(`${name} must be { max, windowMs }`);
  return { max: positive(`${name}.max`, v.max), windowMs: positive(`${name}.windowMs`, v.windowMs) };
}

function redisConfig(r: string | RedisConfig | undefined): RedisConfig | null {
  if (r === undefined || r === '') return null;
  const c = typeof r === 'string' ? { url: r } : r;
  parseRedisUrl(c.url);
  if (c.nodeTtlMs !== undefined && (!Number.isInteger(c.nodeTtlMs) || c.nodeTtlMs < 300))
    throw new TypeError('redis.nodeTtlMs must be an integer of 300 or more (ms)');
  return { ...c };
}
