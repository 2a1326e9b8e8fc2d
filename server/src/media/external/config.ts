import { randomBytes } from 'node:crypto';
import { RELAY_NAME } from './names.js';
import { checkPushTimeout } from '../grants.js';

export type Dialect = 'nginx-rtmp' | 'srs';

export interface ExternalRelayConfig {
  /** Secret for the URL MAC (the same scheme as the embedded relay). At least 16 characters. */
  secret: string;
  /** Which relay calls back and takes control requests: nginx-rtmp form callbacks or SRS JSON hooks. */
  dialect: Dialect;
  /** Public RTMP base written into URLs, ending in the relay application: rtmp://media.example.com:1935/live */
  rtmpBase: string;
  /**
   * Where the plane sends control requests. nginx-rtmp: the URL of the `rtmp_control` location
   * (http://127.0.0.1:8080/control). SRS: its HTTP API root (http://127.0.0.1:1985).
   */
  controlUrl: string;
  /** Shared secret the relay puts in the callback path; at least 16 URL-safe characters. Default: random per run. */
  hookToken?: string;
  /** Address the callback endpoint listens on. Default 127.0.0.1 (the relay on the same host). */
  hookHost?: string;
  /** Callback port; 0 (default) picks a free one. */
  hookPort?: number;
  /** Path prefix of the callback endpoint. Default /media-hooks. */
  hookPath?: string;
  /** How long an issued push URL may stay unused before 'push-timeout'. Default 15000 ms. */
  pushTimeoutMs?: number;
  /** Clock in Unix seconds, for URL expiry. Default: the system clock. */
  now?: () => number;
  /** Told when a control request (kicking a session) fails; the URL is revoked either way. Default: console.warn. */
  onControlError?: (error: Error) => void;
  /**
   * How long a drop the relay answers with "no such session" is retried while the relay has not
   * reported that session's end (nginx-rtmp lists a session only once our callback answer reached
   * it). Past it, onControlError is told. 0 to 60000 ms; default 10000.
   */
  controlRetryMs?: number;
}

export interface ResolvedExternalConfig {
  secret: string;
  dialect: Dialect;
  rtmpBase: string;
  app: string;
  controlUrl: string;
  hookToken: string;
  hookHost: string;
  hookPort: number;
  hookPath: string;
  pushTimeoutMs: number;
  now: () => number;
  onControlError: (error: Error) => void;
  controlRetryMs: number;
}

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const PATH = /^(\/[A-Za-z0-9_.-]+)+$/;

function checkControlRetry(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) {
    throw new Error(`controlRetryMs must be a whole number of milliseconds from 0 to 60000, got ${String(ms)}`);
  }
  return ms;
}

export function resolveExternalConfig(config: ExternalRelayConfig): ResolvedExternalConfig {
  if (typeof config.secret !== 'string' || config.secret.length < 16) {
    throw new Error('media secret must be a string of at least 16 characters');
  }
  if (config.dialect !== 'nginx-rtmp' && config.dialect !== 'srs') {
    throw new Error(`unknown relay dialect ${String(config.dialect)} (nginx-rtmp or srs)`);
  }
  const base = new URL(config.rtmpBase);
  const segments = base.pathname.split('/').filter((s) => s.length > 0);
  const app = segments.length === 1 ? (segments[0] as string) : '';
  if (base.protocol !== 'rtmp:' || base.search || !RELAY_NAME.test(app)) {
    throw new Error('rtmpBase must look like rtmp://host:port/app, with an app name of [A-Za-z0-9_-]');
  }
  const control = new URL(config.controlUrl);
  if (control.protocol !== 'http:' && control.protocol !== 'https:') throw new Error('controlUrl must be an http(s) URL');
  const hookToken = config.hookToken ?? randomBytes(18).toString('base64url');
  if (!TOKEN.test(hookToken)) throw new Error('hookToken must be 16 to 128 characters of [A-Za-z0-9_-]');
  const hookPath = config.hookPath ?? '/media-hooks';
  if (!PATH.test(hookPath)) throw new Error('hookPath must be a plain absolute path such as /media-hooks');
  return {
    secret: config.secret,
    dialect: config.dialect,
    rtmpBase: `rtmp://${base.host}/${app}`,
    app,
    controlUrl: config.controlUrl.replace(/\/+$/, ''),
    hookToken,
    hookHost: config.hookHost ?? '127.0.0.1',
    hookPort: config.hookPort ?? 0,
    hookPath,
    pushTimeoutMs: checkPushTimeout(config.pushTimeoutMs ?? 15_000),
    now: config.now ?? (() => Math.floor(Date.now() / 1000)),
    onControlError: config.onControlError ?? ((error) => console.warn(`media relay control: ${error.message}`)),
    controlRetryMs: checkControlRetry(config.controlRetryMs ?? 10_000),
  };
}
