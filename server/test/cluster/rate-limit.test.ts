// A rate limit is the cluster's, not each node's: two limiters on one real Redis (two nodes)
// share one budget per key and window once they have exchanged counts.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedRateLimiter } from '../../src/cluster/rate-limit.js';
import { TestRedis } from '../../../test/support/redis.js';
import { needs } from '../../../test/support/binaries.js';

describe.runIf(needs(['redis-server'], 'shared rate limit'))('SharedRateLimiter (real redis-server)', () => {
  let redis: TestRedis;
  const conns: Redis[] = [];
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    for (const c of conns) c.disconnect();
    await redis?.stop();
  });
  const node = (name: string, clock: () => number) => {
    const c = new Redis(redis.url);
    conns.push(c);
    return new SharedRateLimiter(c, name, 10, 60_000, clock, 1_000_000);
  };

  it('splits one budget between nodes, per key and window', async () => {
    let now = 1_000_000 * 60_000;
    const a = node('t1', () => now);
    const b = node('t1', () => now);
    for (let i = 0; i < 6; i++) expect(a.take('1.2.3.4')).toBe(true);
    await a.flush();
    await b.flush();
    // b has not counted this key yet: it learns a's share on its first exchange for it.
    expect(b.take('1.2.3.4')).toBe(true);
    await b.flush();
    for (let i = 0; i < 3; i++) expect(b.take('1.2.3.4')).toBe(true);
    expect(b.take('1.2.3.4')).toBe(false);
    expect(b.spent('1.2.3.4')).toBe(true);
    await b.flush();
    await a.flush();
    a.spent('1.2.3.4');
    await a.flush();
    expect(a.spent('1.2.3.4')).toBe(true);
    expect(a.take('1.2.3.4')).toBe(false);
    // Another key has its own budget; the next window starts afresh on both.
    expect(a.take('5.6.7.8')).toBe(true);
    now += 60_000;
    expect(a.take('1.2.3.4')).toBe(true);
    expect(b.spent('1.2.3.4')).toBe(false);
    a.dispose();
    b.dispose();
  });

  it('keeps limiting on its own counts while Redis is away', async () => {
    const dead = new Redis('redis://127.0.0.1:1/0', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    dead.on('error', () => undefined);
    const l = new SharedRateLimiter(dead, 't2', 3, 60_000, Date.now, 1_000_000);
    expect([l.take('k'), l.take('k'), l.take('k'), l.take('k')]).toEqual([true, true, true, false]);
    await l.flush(); // fails quietly
    expect(l.take('k')).toBe(false);
    l.dispose();
    dead.disconnect();
  });
});
