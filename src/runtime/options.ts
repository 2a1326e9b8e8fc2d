// The options a Client takes beyond the vendor's API: where the server is and how to reach it.
import { check, type FieldRule, type ObjectRule } from './args.js';
import { invalid, isObject } from './errors.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import { logError } from './host.js';
import type { TransportFactory } from './transport/types.js';

export type { TransportFactory, TransportHandlers, Transport } from './transport/types.js';

/**
 * Options for `new Client(options)`. The vendor's Client takes none: its servers are fixed. Ours
 * talks to a server you run, so at least `server` is needed before `join`. Unusable options
 * make `init` fail with `INVALID_PARAMS`; the constructor never throws.
 *
 * @public
 */
export interface ClientOptions {
  /**
   * The signaling server's WebSocket URL, `ws://` or `wss://` (a mini-program needs `wss://` on
   * a domain listed in its socket whitelist). Without it `join` fails with
   * `NO_WEBSOCLET_URL` (200003).
   */
  server?: string;
  /**
   * The socket to use. `'wx'` is WeChat's `wx.connectSocket`, `'websocket'` the standard global
   * `WebSocket`; a function is used as is (see {@link TransportFactory}). Default: `'wx'` when a
   * global `wx` exists, else `'websocket'`. Resolved at each `join`.
   */
  transport?: 'wx' | 'websocket' | TransportFactory;
  /**
   * How long to wait for the socket to open and for each answer of the server, in milliseconds.
   * A request not answered in time fails with `REQUEST_TIMEOUT` (500001); a socket not open in
   * time with `CONNECTION_FAILED` (500003). Default 10000.
   */
  requestTimeoutMs?: number;
  /** How often to send a heartbeat to the server while connected, in milliseconds. Default 5000. */
  heartbeatIntervalMs?: number;
  /**
   * How long the server may stay silent (no answer, no event, no heartbeat reply) before the
   * connection counts as lost, in milliseconds. Then the SDK reconnects (see `reconnect`).
   * Default 15000; must exceed `heartbeatIntervalMs`.
   */
  heartbeatTimeoutMs?: number;
  /**
   * How long the `report*` methods' items are buffered before they are sent, in milliseconds.
   * Default 5000.
   */
  reportFlushMs?: number;
  /** How many `report*` items make a batch that is sent at once, 1 to 100. Default 20. */
  reportBatchSize?: number;
  /**
   * What to do when the connection drops while in a room. By default the SDK reconnects with
   * exponential backoff and jitter and resumes its session (same room, visibility, publish and
   * subscriptions; `UPDATE_URL` when a URL changed), showing `reconnecting` in
   * `CONNECTION_STATE_CHANGED`. `false` turns this off: a drop then ends the stay at once with
   * `DISCONNECT {code: CONNECTION_LOST}`.
   */
  reconnect?: ReconnectOptions | false;
}

/**
 * Reconnection after a dropped connection (see {@link ClientOptions.reconnect}). The wait before
 * attempt n (from 0) is a random time between half and all of `min(maxDelayMs, baseDelayMs * 2^n)`.
 *
 * @public
 */
export interface ReconnectOptions {
  /** Attempts before giving up with `DISCONNECT {code: CONNECTION_LOST}`, 1 to 100. Default 10. */
  maxAttempts?: number;
  /** The wait before the first attempt, in milliseconds. Default 500. */
  baseDelayMs?: number;
  /** The longest wait between two attempts, in milliseconds; at least `baseDelayMs`. Default 5000. */
  maxDelayMs?: number;
}

export interface ResolvedReconnect {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ResolvedOptions {
  server: string | undefined;
  transport: ClientOptions['transport'];
  requestTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  reportFlushMs: number;
  reportBatchSize: number;
  reconnect: ResolvedReconnect | false;
}

/** An optional whole number from 1 to max, `def` when left out. */
const whole = (def: number, max = 3_600_000): FieldRule => ({ rule_: 'number', optional_: true, default_: def, max_: max });

// Checked like the API's option objects (args.ts): unknown keys, types, defaults, on a copy.
const RECONNECT: ObjectRule = {
  type_: 'ReconnectOptions',
  fields_: { maxAttempts: whole(10, 100), baseDelayMs: whole(500), maxDelayMs: whole(5000) },
};
const OPTIONS: ObjectRule = {
  type_: 'ClientOptions',
  fields_: {
    server: { rule_: 'string', optional_: true },
    transport: { rule_: 'unknown', optional_: true },
    reconnect: { rule_: 'unknown', optional_: true },
    requestTimeoutMs: whole(10_000),
    heartbeatIntervalMs: whole(5_000),
    heartbeatTimeoutMs: whole(15_000),
    reportFlushMs: whole(5_000),
    // A report batch is one frame: well under the server's frame size limit (64 KiB by default).
    reportBatchSize: whole(20, 100),
  },
};

/** The options with defaults applied; throws INVALID_PARAMS saying which option is unusable (init rejects with it). */
export function resolveOptions(options: unknown): ResolvedOptions {
  const o = check(options === undefined || options === null ? {} : options, OPTIONS, 'ClientOptions') as ResolvedOptions & { reconnect: unknown };
  const bad = (what: string, why: string): never => {
    throw invalid(`ClientOptions.${what}`, why);
  };
  if (o.server !== undefined && !/^wss?:\/\/[^\s]+$/i.test(o.server)) bad('server', 'must be a ws:// or wss:// URL');
  const t = o.transport;
  if (t !== undefined && t !== 'wx' && t !== 'websocket' && typeof t !== 'function') bad('transport', `must be 'wx', 'websocket' or a function`);
  if (o.reconnect !== false) {
    const r = (o.reconnect = check(o.reconnect === undefined ? {} : o.reconnect, RECONNECT, 'ClientOptions.reconnect') as ResolvedReconnect);
    if (r.maxDelayMs < r.baseDelayMs) bad('reconnect.maxDelayMs', 'must be at least baseDelayMs');
  }
  if (o.heartbeatTimeoutMs <= o.heartbeatIntervalMs) bad('heartbeatTimeoutMs', 'must exceed heartbeatIntervalMs');
  return o as ResolvedOptions;
}

/** The configure() defaults; a copy, so the app changing its object later changes nothing. */
let configured: unknown;

/**
 * Sets the {@link ClientOptions} every `Client` of the app starts from, so code written for the
 * vendor's SDK keeps its `new Client()` call sites: call it once, in `app.js`, before any client's
 * `init`. Options passed to `new Client(options)` win over these, key by key. Calling it again
 * replaces the defaults (for clients whose `init` comes later). It never throws: unusable
 * options are written to `console.error` at once, and each client's `init` then rejects with
 * `INVALID_PARAMS` saying why. Defined by this SDK, not by the vendor.
 *
 * @example
 * ```js
 * // app.js
 * require('./libs/VolcEngineRTC_MiniApp').configure({ server: 'wss://rtc.example.com' });
 * ```
 *
 * @public
 */
export function configure(options: ClientOptions): void {
  try {
    resolveOptions(options);
  } catch (e) {
    logError('[mprtc] configure:', (e as VolcEngineRTCError).reason);
  }
  configured = isObject(options) ? Object.assign({}, options) : options;
}

/** The constructor's options over the configure() defaults; a key given as undefined counts as absent. */
export function withDefaults(options: unknown): unknown {
  const base = configured === undefined || configured === null ? {} : configured;
  if (!isObject(options)) return options === undefined || options === null ? base : options;
  if (typeof base !== 'object') return base; // not null: base is {} then
  const out = Object.assign({}, base) as Record<string, unknown>;
  for (const k of Object.keys(options)) if (options[k] !== undefined) out[k] = options[k];
  return out;
}
