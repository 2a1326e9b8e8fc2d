// The --redis / `redis` option, checked without loading the Redis client.

export interface RedisConfig {
  /** redis://[user:pass@]host:port/db */
  url: string;
  /** Liveness key TTL; a node missing this long is dead (its sessions wait a grace period, then leave). Default 5000. */
  nodeTtlMs?: number;
  /** This node's id (default random). */
  nodeId?: string;
  /** A command waiting longer than this fails (SERVICE_UNAVAILABLE). Default 2000. */
  commandTimeoutMs?: number;
  /**
   * The media plane's streams live in this process (the embedded relay): when this node dies or
   * stops, the streams pushed to it are failed in their rooms (stream-failed to the publisher,
   * stream-removed to the others), so publishers publish again elsewhere. Default false (a relay
   * outside the node keeps its streams). `serve` sets it for the embedded relay.
   */
  mediaInProcess?: boolean;
}

export function parseRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`redis URL ${JSON.stringify(url)} is not a URL (redis://HOST:PORT/DB)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new TypeError(`redis URL must start with redis:// or rediss://, got ${JSON.stringify(url)}`);
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname))
    throw new TypeError(`redis URL database must be a number, got ${JSON.stringify(u.pathname)}`);
}
