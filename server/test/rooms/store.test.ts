import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { DEFAULT_LIMITS } from '../../src/rooms/limits.js';
import { addMember, removeMember, setMemberVisible } from '../../src/rooms/model.js';
import * as ops from '../../src/rooms/ops.js';
import { InMemoryRoomStore, type RoomStore } from '../../src/rooms/store.js';
import { RedisRoomStore } from '../../src/store/room-store.js';
import { TestRedis } from '../../../test/support/redis.js';
import { needs } from '../../../test/support/binaries.js';

const member = (userId: string) => ({
  userId,
  sessionId: `s-${userId}`,
  visible: true,
  businessId: null,
  joinedAt: 0,
  tokenExpireAt: 0,
  publishUntil: 0,
  subscribeUntil: null,
});

// The contract every RoomStore keeps; it runs against the in-memory store and a real Redis.
function contract(make: () => Promise<RoomStore>): void {
  it('creates a room on update, keeps it while it has members, deletes it when empty', async () => {
    const store = await make();
    const key = { appId: 'a', roomId: 'r' };
    expect(await store.read(key, (r) => r)).toBeUndefined();
    await store.update(key, (r) => void addMember(r, member('u')));
    expect(await store.read(key, (r) => r?.members.size)).toBe(1);
    await store.update(key, (r) => void removeMember(r, 'u'));
    expect(await store.read(key, (r) => r)).toBeUndefined();
    // An update that adds nobody leaves no empty room behind.
    await store.update({ appId: 'a', roomId: 'ghost' }, () => 1);
    expect(await store.list()).toEqual([]);
  });

  it('keys rooms by app and room id, and lists them per app', async () => {
    const store = await make();
    await store.update({ appId: 'a', roomId: 'r' }, (r) => void addMember(r, member('u')));
    await store.update({ appId: 'b', roomId: 'r' }, (r) => void addMember(r, member('v')));
    expect(await store.read({ appId: 'a', roomId: 'r' }, (r) => [...r!.members.keys()])).toEqual(['u']);
    expect(await store.list('b')).toEqual([{ appId: 'b', roomId: 'r' }]);
    expect((await store.list()).length).toBe(2);
  });

  it('keeps records whole: member order, visible order, privileges, streams and subscriptions', async () => {
    const store = await make();
    const key = { appId: 'a', roomId: 'r:{x}%' };
    await store.update(key, (r) => {
      for (const u of ['z', 'a', 'm', 'i']) addMember(r, member(u));
      // z turns invisible and visible again: it is now the last to have become visible; i stays invisible.
      setMemberVisible(r, r.members.get('z')!, false);
      setMemberVisible(r, r.members.get('z')!, true);
      setMemberVisible(r, r.members.get('i')!, false);
      r.streams.set('z|0', { userId: 'z', screen: false, audio: true, video: false, failed: true, retry: true, pushUrl: 'rtmp://x' });
      r.subscriptions.set('a>z|0', { subscriberId: 'a', userId: 'z', screen: false, audio: true, video: true, pausedAudio: true, pausedVideo: false });
    });
    const back = await store.read(key, (r) => r);
    expect([...back!.members.keys()]).toEqual(['z', 'a', 'm', 'i']);
    expect([...back!.visible.keys()]).toEqual(['a', 'm', 'z']);
    expect(back!.visible.get('a')).toBe(back!.members.get('a'));
    expect(back!.members.get('a')).toMatchObject({ publishUntil: 0, subscribeUntil: null });
    expect(back!.streams.get('z|0')).toEqual({ userId: 'z', screen: false, audio: true, video: false, failed: true, retry: true, pushUrl: 'rtmp://x' });
    expect(back!.subscriptions.get('a>z|0')!.pausedAudio).toBe(true);
    expect(await store.list('a')).toEqual([key]);
  });

  it('returns what the callback returns and passes its exception on', async () => {
    const store = await make();
    expect(await store.update({ appId: 'a', roomId: 'r' }, () => 42)).toBe(42);
    await expect(
      store.update({ appId: 'a', roomId: 'r' }, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      store.read({ appId: 'a', roomId: 'r' }, () => {
        throw new Error('bang');
      }),
    ).rejects.toThrow('bang');
  });

  it('runs concurrent updates of one room one at a time (no lost update)', async () => {
    const store = await make();
    const key = { appId: 'a', roomId: 'count' };
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.update(key, (r) => void addMember(r, member(`u${i}`)))));
    expect(await store.read(key, (r) => r?.members.size)).toBe(40);
  });
}

describe('InMemoryRoomStore', () => contract(async () => new InMemoryRoomStore()));

describe.runIf(needs(['redis-server'], 'RedisRoomStore'))('RedisRoomStore (real redis-server)', () => {
  let redis: TestRedis;
  const conns: Redis[] = [];
  const connect = (): Redis => {
    const c = new Redis(redis.url, { lazyConnect: false });
    conns.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    for (const c of conns) c.disconnect();
    await redis?.stop();
  });

  contract(async () => {
    const c = connect();
    await c.flushdb();
    return new RedisRoomStore(c);
  });

  it('keeps limits exact when three "nodes" (connections) join one room at once', async () => {
    const stores = [0, 1, 2].map(() => new RedisRoomStore(connect()));
    await conns[conns.length - 1]!.flushdb();
    const key = { appId: 'a', roomId: 'race' };
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        stores[i % 3]!.update(key, (r) =>
          ops.join(
            r,
            { userId: `u${i}`, sessionId: `s${i}`, visible: true, businessId: null, tokenExpireAt: 0, privileges: new Map(), now: i },
            DEFAULT_LIMITS,
          ),
        ),
      ),
    );
    expect(results.filter((r) => r.ok).length).toBe(DEFAULT_LIMITS.maxVisible);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === CODES.ROOM_FULL)).toBe(true);
    expect(await stores[0]!.read(key, (r) => r?.members.size)).toBe(DEFAULT_LIMITS.maxVisible);
    // The stores did collide, and resolved it by reading again.
    expect(stores.reduce((n, s) => n + s.conflicts, 0)).toBeGreaterThan(0);
  });
});

describe('the Redis codec and records written before grants were two numbers', () => {
  it("reads an older record's privilege pairs as the member's grants", async () => {
    const { decodeRoom } = await import('../../src/store/codec.js');
    const old = JSON.stringify({
      m: [
        {
          userId: 'a',
          sessionId: 's-a',
          visible: true,
          businessId: null,
          joinedAt: 0,
          tokenExpireAt: 0,
          privileges: [
            [0, 0],
            [1, 0],
            [4, 1700000000],
          ],
        },
        { userId: 'b', sessionId: 's-b', visible: true, businessId: null, joinedAt: 0, tokenExpireAt: 0, privileges: [[4, 0]] },
      ],
      s: [],
      u: [],
    });
    const room = decodeRoom({ appId: 'app', roomId: 'r' }, old);
    expect(room.members.get('a')).toMatchObject({ publishUntil: 0, subscribeUntil: 1700000000 });
    expect(room.members.get('a')).not.toHaveProperty('privileges');
    expect(room.members.get('b')).toMatchObject({ publishUntil: null, subscribeUntil: 0 });
  });
});
