import { createServer } from 'node:net';
import { checkPushTimeout } from '../grants.js';
import { resolveGuardLimits, type GuardLimits } from './guard/limits.js';

export interface RelayConfig {
  /** Secret for the URL MAC. Keep it out of clients; rotate it to revoke every URL at once. */
  secret: string;
  /** Address the relay listens on. Default 127.0.0.1. */
  host?: string;
  /** Host (or host:port-less name) written into URLs, when clients reach the relay by another name. */
  publicHost?: string;
  /** RTMP port; 0 (default) picks a free one. */
  rtmpPort?: number;
  /** HTTP-FLV port; 0 (default) picks a free one, null disables HTTP-FLV. */
  httpPort?: number | null;
  /** How long an issued push URL may stay unused before 'push-timeout'. Default 15000 ms. */
  pushTimeoutMs?: number;
  /** node-media-server log level; its constructor forces 'debug', we put this back. Default 'error'. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Clock in Unix seconds, for URL expiry. Default: the system clock. */
  now?: () => number;
  /** Limits the guard in front of the relay library enforces (docs/media.md); each has a default. */
  guard?: Partial<GuardLimits>;
  /** Heap limit of the relay process (--max-old-space-size), MiB. Default 256. */
  relayHeapMb?: number;
  /** First restart delay after the relay process died; doubles per failed restart. Default 250 ms. */
  restartDelayMs?: number;
  /** Longest restart delay. Default 10000 ms. */
  restartDelayMaxMs?: number;
  /** A relay process that answers no ping for this long (a stuck event loop) is killed and restarted. Default 10000 ms. */
  heartbeatTimeoutMs?: number;
}

export interface ResolvedRelayConfig {
  secret: string;
  host: string;
  publicHost: string;
  rtmpPort: number;
  httpPort: number | null;
  pushTimeoutMs: number;
  logLevel: string;
  now: () => number;
  guard: GuardLimits;
  relayHeapMb: number;
  restartDelayMs: number;
  restartDelayMaxMs: number;
  heartbeatTimeoutMs: number;
}

function whole(name: string, v: number | undefined, fallback: number, min: number, max: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${String(v)}`);
  return n;
}

/** Asks the OS for a free port. node-media-server treats port 0 as "no listener", so we pick one. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function resolveConfig(config: RelayConfig): Promise<ResolvedRelayConfig> {
  if (typeof config.secret !== 'string' || config.secret.length < 16) {
    throw new Error('relay secret must be a string of at least 16 characters');
  }
  const host = config.host ?? '127.0.0.1';
  const rtmpPort = config.rtmpPort ? config.rtmpPort : await freePort(host);
  const httpPort = config.httpPort === null ? null : config.httpPort ? config.httpPort : await freePort(host);
  return {
    secret: config.secret,
    host,
    publicHost: config.publicHost ?? host,
    rtmpPort,
    httpPort,
    pushTimeoutMs: checkPushTimeout(config.pushTimeoutMs ?? 15_000),
    logLevel: config.logLevel ?? 'error',
    now: config.now ?? (() => Math.floor(Date.now() / 1000)),
    guard: resolveGuardLimits(config.guard),
    relayHeapMb: whole('relayHeapMb', config.relayHeapMb, 256, 32, 65_536),
    restartDelayMs: whole('restartDelayMs', config.restartDelayMs, 250, 1, 600_000),
    restartDelayMaxMs: whole('restartDelayMaxMs', config.restartDelayMaxMs, 10_000, 1, 3_600_000),
    heartbeatTimeoutMs: whole('heartbeatTimeoutMs', config.heartbeatTimeoutMs, 10_000, 100, 3_600_000),
  };
}
