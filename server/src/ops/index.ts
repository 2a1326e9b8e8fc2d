// Puts the operator's tools on a running server: the logger and the metrics listen to its event
// bus; the admin port (API, dashboard, /metrics) opens only when configured with a secret.
import type { RoomService } from '../rooms/service.js';
import type { ReportSource } from './admin-api.js';
import type { TrustProxy } from '../signaling/client-address.js';
import type { AdminConfig } from './config.js';
import { resolveAdminConfig } from './config.js';
import type { ServerEvents } from './events.js';
import { createLogger, faultLogger, logEvents, type Logger, type LogLevel } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { OpsServer } from './server.js';

export { ServerEvents, type ServerEvent, type ServerEventListener } from './events.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
export type { AdminConfig } from './config.js';

export interface OpsConfig {
  /** A pino logger to write to, or false for none. Default: one on stdout when logLevel is set, else none. */
  logger?: Logger | false;
  /** Level of the default logger ('info', 'debug', ...). */
  logLevel?: LogLevel;
  /** The admin port (admin API, dashboard, metrics). Not opened without it. */
  admin?: AdminConfig;
}

export interface OpsTarget {
  events: ServerEvents;
  rooms: RoomService;
  /** Where the admin API reads reports: with --redis, every node's (cluster/reports.ts). */
  reports: ReportSource;
  apps: Map<string, string>;
  reportsPerUser: number;
  stats(): { sockets: number; sessions: number };
  /** The signaling config's trustProxy: the admin port counts failed logins by the same client address. */
  trustProxy?: TrustProxy;
}

export interface Ops {
  logger: Logger | null;
  metrics: Metrics | null;
  /** Opens the admin port when configured; resolves with its address (null when not). */
  listen(): Promise<{ url: string; port: number } | null>;
  close(): Promise<void>;
}

/** Validates the configuration and attaches the logger and metrics; opens no port yet. */
export function createOps(target: OpsTarget, config: OpsConfig): Ops {
  const admin = config.admin === undefined ? null : resolveAdminConfig(config.admin);
  const logger = config.logger === false ? null : (config.logger ?? (config.logLevel !== undefined ? createLogger({ level: config.logLevel }) : null));
  const offLog = logger ? logEvents(target.events, logger) : () => {};
  // Unexpected failures anywhere in the server go to the logger too (stderr without one).
  const faults = logger ? faultLogger(logger) : null;
  if (faults) target.events.faultSink = faults;
  const metrics = admin?.metrics ? createMetrics(target) : null;
  let server: OpsServer | null = null;
  return {
    logger,
    metrics,
    async listen() {
      if (!admin) return null;
      server = new OpsServer({
        config: admin,
        trustProxy: target.trustProxy ?? false,
        metrics,
        admin: {
          apps: target.apps,
          rooms: target.rooms,
          reports: target.reports,
          events: target.events,
          maxBodyBytes: admin.maxBodyBytes,
          reportsPerUser: target.reportsPerUser,
        },
      });
      const addr = await server.listen();
      target.events.emit({ type: 'listening', what: 'admin', url: addr.url });
      return addr;
    },
    async close() {
      await server?.close();
      metrics?.close();
      offLog();
      if (faults && target.events.faultSink === faults) target.events.faultSink = null;
      logger?.flush();
    },
  };
}
