// The Redis connection: ioredis, failing fast while Redis is away (no offline queue, no resend)
// so a request is refused at once with SERVICE_UNAVAILABLE instead of hanging; it reconnects
// by itself, forever, with a bounded backoff.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisConfig } from './config.js';

export { parseRedisUrl, type RedisConfig };
import { StoreUnavailable } from './errors.js';

export { StoreUnavailable, isUnavailable } from './errors.js';

/** A connection that fails fast while Redis is away and reconnects by itself. Not yet connected. */
export function createRedis(config: RedisConfig, extra: RedisOptions = {}): Redis {
  parseRedisUrl(config.url);
  const r = new Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    retryStrategy: (n) => Math.min(50 * n, 1000),
    ...extra,
  });
  // Reconnects are the client's business; an unhandled 'error' event would end the process.
  r.on('error', () => undefined);
  return r;
}

/** Connects, or rejects with StoreUnavailable after `ms`. */
export async function connect(r: Redis, ms = 5000): Promise<void> {
  if (r.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      r.status === 'wait' ? r.connect() : new Promise<void>((resolve) => r.once('ready', () => resolve())),
      new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new StoreUnavailable(`redis did not answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Lua script run by its SHA1, loaded again when Redis lost it (a restart, SCRIPT FLUSH). */
export class Script {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(r: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await r.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return r.eval(this.source, keys.length, ...keys, ...args);
      throw e;
    }
  }
}
