// Configuration of the admin port (admin API, dashboard, metrics) and of the logs.
import { MIN_SECRET_LENGTH } from './auth.js';

export interface AdminConfig {
  /** The admin port; 0 picks a free one. */
  port: number;
  /** Default 127.0.0.1: the admin port is for operators, not for the internet. */
  host?: string;
  /** At least 16 characters; not an app key. Without one the port is never opened. */
  secret: string;
  /** Serve Prometheus metrics at /metrics on this port (same authentication). Default false. */
  metrics?: boolean;
  /** Serve the dashboard at /dashboard. Default true. */
  dashboard?: boolean;
  /** Lifetime of a dashboard login. Default 8 hours. */
  sessionTtlMs?: number;
  /** Mark the session cookie Secure (when a TLS proxy fronts the port). Default false. */
  secureCookie?: boolean;
  /** Larger request bodies are refused (413). Default 16 KiB. */
  maxBodyBytes?: number;
  /** A request must arrive whole within this. Default 10000. */
  requestTimeoutMs?: number;
  /** Failed logins per address per minute before more are refused (429). Default 20. */
  maxFailedLogins?: number;
  /** Open connections to the admin port in total; more are answered 503 and closed. Default 64. */
  maxConnections?: number;
  /** Open connections per client address (IPv6: per /64); more are answered 429 and closed. Default 16. */
  maxConnectionsPerAddress?: number;
}

export interface ResolvedAdminConfig {
  port: number;
  host: string;
  secret: string;
  metrics: boolean;
  dashboard: boolean;
  sessionTtlMs: number;
  secureCookie: boolean;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  maxFailedLogins: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

const posInt = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new TypeError(`admin.${name} must be a positive integer`);
  return v;
};

export function resolveAdminConfig(c: AdminConfig): ResolvedAdminConfig {
  if (typeof c.secret !== 'string' || c.secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`admin.secret must be at least ${MIN_SECRET_LENGTH} characters (the admin port is not opened without one)`);
  }
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65_535) throw new TypeError('admin.port must be 0 to 65535');
  return {
    port: c.port,
    host: c.host ?? '127.0.0.1',
    secret: c.secret,
    metrics: c.metrics ?? false,
    dashboard: c.dashboard ?? true,
    sessionTtlMs: posInt('sessionTtlMs', c.sessionTtlMs ?? 8 * 3600_000),
    secureCookie: c.secureCookie ?? false,
    maxBodyBytes: posInt('maxBodyBytes', c.maxBodyBytes ?? 16 * 1024),
    requestTimeoutMs: posInt('requestTimeoutMs', c.requestTimeoutMs ?? 10_000),
    maxFailedLogins: posInt('maxFailedLogins', c.maxFailedLogins ?? 20),
    maxConnections: posInt('maxConnections', c.maxConnections ?? 64),
    maxConnectionsPerAddress: posInt('maxConnectionsPerAddress', c.maxConnectionsPerAddress ?? 16),
  };
}
