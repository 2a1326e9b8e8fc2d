// Structured logs (pino): JSON lines, or pretty lines on a terminal. The server's event bus is
// turned into one line per thing an operator asks about; redaction paths are a second guard
// behind the rule that no secret is ever passed to the logger in the first place.
import type { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { CODES } from '../codes.js';
import type { ServerEvent, ServerEvents } from './events.js';
import { withoutQueries } from './media.js';
import { LogThrottle } from './throttle.js';

export type { Logger, LevelWithSilent as LogLevel };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Field names that would hold a secret if anyone ever logged one. */
export const REDACT_PATHS = [
  'token',
  'resumeToken',
  'secret',
  'url',
  'query',
  'authorization',
  'cookie',
  '*.token',
  '*.resumeToken',
  '*.secret',
  '*.url',
  '*.query',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; default stdout. */
  destination?: Writable | { write(s: string): unknown };
  /** Human-readable lines instead of JSON; default: when stdout is a terminal (and no destination). */
  pretty?: boolean;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new TypeError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  const options = { level, base: { name: 'mprtc-server' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const usePretty = o.pretty ?? (o.destination === undefined && process.stdout.isTTY === true);
  if (usePretty) {
    return pino(
      options,
      pretty({
        colorize: true,
        sync: true,
        singleLine: true,
        ignore: 'pid,hostname,name',
        translateTime: 'SYS:HH:MM:ss.l',
        ...(o.destination ? { destination: o.destination as Writable } : {}),
      }),
    );
  }
  return o.destination ? pino(options, o.destination as Writable) : pino(options);
}

const codeNames = new Map<number, string>(Object.entries(CODES).map(([name, code]) => [code as number, name]));

/** The name of a wire error code ('TOKEN_INVALID'), or 'UNKNOWN'. */
export function codeName(code: number | undefined): string {
  return code === undefined ? 'UNKNOWN' : (codeNames.get(code) ?? 'UNKNOWN');
}

/** Requests whose success is worth a line at info; the rest (mute, report, ...) log at debug. */
const NOTABLE = new Set(['publish', 'unpublish', 'subscribe', 'unsubscribe', 'resume']);

/** Writes one line per server event to `log`; returns a function that stops it. */
export function logEvents(events: ServerEvents, log: Logger, throttle = new LogThrottle()): () => void {
  const debug = (): boolean => log.isLevelEnabled('debug');
  return events.on((e) => line(log, e, throttle, debug));
}

/**
 * Unexpected failures as `error` lines (`event: "fault"`): name, message and stack, with any URL
 * query cut (an error from the media plane may quote a signed URL).
 */
export function faultLogger(log: Logger): (what: string, error: unknown) => void {
  return (what, error) => {
    const e = error instanceof Error ? error : new Error(String(error));
    const err = { name: e.name, message: withoutQueries(e.message), ...(e.stack ? { stack: withoutQueries(e.stack) } : {}) };
    log.error({ event: 'fault', what, error: err }, `${what}: ${err.message}`);
  };
}

/** The throttle's verdict as fields: undefined = leave the line out. */
function admit(throttle: LogThrottle, key: string): { suppressed?: number } | undefined {
  const n = throttle.take(key);
  if (n === null) return undefined;
  return n > 0 ? { suppressed: n } : {};
}

function line(log: Logger, e: ServerEvent, throttle: LogThrottle, debug: () => boolean): void {
  switch (e.type) {
    case 'listening':
      return log.info({ event: 'listening', what: e.what, address: e.url }, `${e.what} listening at ${e.url}`);
    case 'socket-open':
      if (!debug()) return;
      return log.debug({ event: 'socket-open', ip: e.ip }, 'socket opened');
    case 'socket-close':
      if (!debug()) return;
      return log.debug({ event: 'socket-close', ip: e.ip, closeCode: e.code }, 'socket closed');
    case 'limit': {
      const t = admit(throttle, `limit|${e.limit}|${e.ip}`);
      if (!t) return;
      return log.warn(
        { event: 'limit', limit: e.limit, ip: e.ip, ...(e.closed === undefined ? {} : { closeCode: e.closed }), ...t },
        `limit reached: ${e.limit}${e.closed === undefined ? '' : ` (socket closed ${e.closed})`}`,
      );
    }
    case 'request': {
      const who = { appId: e.appId, roomId: e.roomId, userId: e.userId, ip: e.ip };
      const extra = { ...(e.screen === undefined ? {} : { screen: e.screen }), ...(e.target === undefined ? {} : { target: e.target }) };
      const ms = Math.round(e.ms * 10) / 10;
      if (!e.ok) {
        const t = admit(throttle, `refused|${e.request}|${e.code}|${e.ip}`);
        if (!t) return;
        const name = codeName(e.code);
        const event = e.request === 'join' ? 'join-refused' : 'request-refused';
        const level = e.request === 'join' ? 'warn' : 'info';
        log[level](
          { event, request: e.request, code: e.code, codeName: name, reason: e.reason, ...who, ...extra, ms, ...t },
          `${e.request} refused: ${name} (${e.code})`,
        );
        return;
      }
      if (e.request === 'join' || !NOTABLE.has(e.request)) {
        if (!debug()) return;
        return log.debug({ event: 'request', request: e.request, ...who, ...extra, ms }, e.request);
      }
      return log.info({ event: e.request, ...who, ...extra, ms }, e.request);
    }
    case 'joined':
      if (e.takeover)
        return log.info(
          { event: 'takeover', appId: e.appId, roomId: e.roomId, userId: e.userId, visible: e.visible },
          'join took over an earlier session of the same user',
        );
      return log.info({ event: 'join', appId: e.appId, roomId: e.roomId, userId: e.userId, visible: e.visible }, 'join');
    case 'left':
      return log.info({ event: 'leave', appId: e.appId, roomId: e.roomId, userId: e.userId, reason: e.reason }, `leave (${e.reason})`);
    case 'media': {
      const m = e.event;
      const stream = { appId: m.key.appId, roomId: m.key.roomId, userId: m.key.userId, screen: m.key.screen };
      if (m.type === 'push-started') return log.info({ event: 'push-started', ...stream }, 'push started');
      if (m.type === 'push-stopped') return log.info({ event: 'push-stopped', ...stream, reason: m.reason }, `push stopped: ${m.reason}`);
      return log.warn({ event: 'push-failed', ...stream, reason: m.reason }, `push failed: ${m.reason}`);
    }
    case 'relay': {
      const fields = { event: `relay-${e.state}`, reason: e.reason, restarts: e.restarts };
      if (e.state === 'down') return log.error(fields, `relay down${e.reason ? `: ${e.reason}` : ''}`);
      if (e.state === 'restarted') return log.warn(fields, `relay restarted${e.reason ? `: ${e.reason}` : ''}`);
      return log.info(fields, 'relay up');
    }
    case 'relay-log':
      return log[e.level]({ event: 'relay-log' }, e.message);
    case 'admin': {
      const fields = {
        event: 'admin',
        action: e.action,
        ok: e.ok,
        ip: e.ip,
        appId: e.appId,
        roomId: e.roomId,
        userId: e.userId,
        code: e.code,
        reason: e.reason,
      };
      return e.ok ? log.info(fields, `admin ${e.action}`) : log.warn(fields, `admin ${e.action} refused: ${e.code}`);
    }
  }
}
