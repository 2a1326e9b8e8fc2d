// The room's visible index (what the limits count, what a joiner is told of) against a model and
// a recount, at random (fast-check): users join (visible or not, taking over their own earlier
// session), leave (also with a stale session), are kicked, turn visible and invisible, publish,
// subscribe, mute and lose pushes, with limits small enough to be hit often. After every step the
// record must equal the model, the counts a recount of the members, and the record must come back
// whole from the Redis codec, with its stored order or, as an older version wrote it, without.
// The same sequences run against a real redis-server (RedisRoomStore) at the end.
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/rooms/limits.js';
import { emptyRoom, type RoomKey, type RoomRecord } from '../../src/rooms/model.js';
import * as ops from '../../src/rooms/ops.js';
import { InMemoryRoomStore, type RoomStore } from '../../src/rooms/store.js';
import { decodeRoom, encodeRoom } from '../../src/store/codec.js';
import { keys } from '../../src/store/keys.js';
import { RedisRoomStore } from '../../src/store/room-store.js';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis } from '../../../test/support/redis.js';
import { ALL_PRIVILEGES } from '../support/privileges.js';

const LIMITS: Limits = { maxVisible: 3, maxPublishers: 2, maxInvisible: 4, maxPeersInJoin: 2 };
/** More users than the limits hold together. */
const USERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];

type Op =
  | { kind: 'join'; who: number; visible: boolean }
  | { kind: 'leave'; who: number; stale: boolean; kicked: boolean }
  | { kind: 'visibility'; who: number; visible: boolean }
  | { kind: 'publish'; who: number; screen: boolean }
  | { kind: 'unpublish'; who: number; screen: boolean }
  | { kind: 'subscribe'; who: number; target: number; screen: boolean }
  | { kind: 'mute'; who: number; audioOff: boolean; videoOff: boolean }
  | { kind: 'push'; who: number; screen: boolean; failed: boolean };

const who = fc.nat({ max: USERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('join' as const), who, visible: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('leave' as const), who, stale: fc.nat({ max: 4 }).map((n) => n === 0), kicked: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('visibility' as const), who, visible: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('publish' as const), who, screen: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unpublish' as const), who, screen: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), who, target: who, screen: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mute' as const), who, audioOff: fc.boolean(), videoOff: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('push' as const), who, screen: fc.boolean(), failed: fc.boolean() }) },
);

interface Model {
  /** userId -> session and visibility, in join order (a takeover joins again, last). */
  members: Map<string, { session: string; visible: boolean }>;
  /** The visible members in the order they became visible. */
  order: string[];
  sessions: number;
}

/** The counts by walking every member: what the index must always equal. */
function recount(room: RoomRecord): { visible: number; invisible: number } {
  let visible = 0;
  for (const m of room.members.values()) if (m.visible) visible++;
  return { visible, invisible: room.members.size - visible };
}

/** The visible members' ids in join order: the index of a record written without its order. */
const joinOrderVisible = (room: RoomRecord): string[] => [...room.members.values()].filter((m) => m.visible).map((m) => m.userId);

function checkRecord(room: RoomRecord | undefined, model: Model, key: RoomKey): void {
  if (model.members.size === 0) {
    expect(room).toBeUndefined();
    return;
  }
  expect(room).toBeDefined();
  const r = room!;
  expect([...r.members.keys()]).toEqual([...model.members.keys()]);
  for (const [id, m] of model.members) expect({ id, session: r.members.get(id)!.sessionId, visible: r.members.get(id)!.visible }).toEqual({ id, ...m });
  expect([...r.visible.keys()]).toEqual(model.order);
  for (const [id, m] of r.visible) expect(m).toBe(r.members.get(id));
  const c = recount(r);
  expect({ visible: r.visible.size, invisible: r.members.size - r.visible.size }).toEqual(c);
  expect(c.visible).toBeLessThanOrEqual(LIMITS.maxVisible);
  expect(c.invisible).toBeLessThanOrEqual(LIMITS.maxInvisible);
  // A leave finds a user's subscriptions through the room's streams: each must be to one of them.
  for (const sub of r.subscriptions.values()) {
    expect(r.streams.has(`${sub.userId}|${sub.screen ? 1 : 0}`)).toBe(true);
    expect(r.members.has(sub.subscriberId)).toBe(true);
  }
  for (const s of r.streams.values()) expect(r.members.get(s.userId)?.visible).toBe(true);

  // Through the Redis codec: the same record, the same index in the same order.
  const text = encodeRoom(r);
  const back = decodeRoom(key, text);
  expect([...back.members.entries()]).toEqual([...r.members.entries()]);
  expect([...back.visible.keys()]).toEqual([...r.visible.keys()]);
  for (const [id, m] of back.visible) expect(m).toBe(back.members.get(id));
  expect([...back.streams.entries()]).toEqual([...r.streams.entries()]);
  expect([...back.subscriptions.entries()]).toEqual([...r.subscriptions.entries()]);
  // As an older version wrote it (no order): the index is recomputed, visible members in join order.
  const { v: _order, ...old } = JSON.parse(text) as Record<string, unknown>;
  const older = decodeRoom(key, JSON.stringify(old));
  expect([...older.visible.keys()]).toEqual(joinOrderVisible(r));
  expect(older.visible.size).toBe(c.visible);
}

/** Runs one sequence against a store, checking each answer against the model and the record after it. */
async function run(store: RoomStore, key: RoomKey, list: Op[]): Promise<void> {
  const model: Model = { members: new Map(), order: [], sessions: 0 };
  const others = (user: string) => {
    let visible = 0;
    let invisible = 0;
    for (const [id, m] of model.members) {
      if (id === user) continue;
      if (m.visible) visible++;
      else invisible++;
    }
    return { visible, invisible };
  };
  const session = (user: string) => model.members.get(user)?.session ?? `none-${user}`;
  const nowSec = Math.floor(Date.now() / 1000);
  for (const o of list) {
    const user = USERS[o.who]!;
    const m = model.members.get(user);
    switch (o.kind) {
      case 'join': {
        const c = others(user);
        const fits = o.visible ? c.visible < LIMITS.maxVisible : c.invisible < LIMITS.maxInvisible;
        const sessionId = `s${++model.sessions}`;
        const input = { userId: user, sessionId, visible: o.visible, businessId: null, tokenExpireAt: 0, privileges: ALL_PRIVILEGES, now: model.sessions };
        const r = await store.update(key, (room) => ops.join(room, input, LIMITS));
        count(r);
        if (!fits) {
          expect(r).toMatchObject({ ok: false, code: o.visible ? CODES.ROOM_FULL : CODES.INVISIBLE_LIMIT });
          break;
        }
        model.members.delete(user);
        model.members.set(user, { session: sessionId, visible: o.visible });
        model.order = model.order.filter((id) => id !== user);
        if (o.visible) model.order.push(user);
        expect(r.ok && r.data.peers).toEqual(model.order.filter((id) => id !== user).slice(0, LIMITS.maxPeersInJoin));
        expect(r.ok && r.data.replacedSessionId).toBe(m?.session ?? null);
        break;
      }
      case 'leave': {
        const sessionId = o.stale ? `stale-${user}` : session(user);
        const before = await store.read(key, (room) => ({
          subs: [...(room?.subscriptions.values() ?? [])].filter((s) => s.subscriberId === user).length,
        }));
        const r = await store.update(key, (room) => ops.leave(room, user, sessionId, o.kicked ? 'kicked' : 'leave'));
        if (!m || o.stale) {
          expect(r).toMatchObject({ ok: false, code: CODES.NOT_IN_ROOM });
          break;
        }
        expect(r.ok).toBe(true);
        // Every subscription of the leaver ends, each with its play.
        const plays = r.effects.filter((e) => e.kind === 'endPlay' && e.subscriberId === user).length;
        expect(plays).toBe(before.subs);
        const left = await store.read(key, (room) => [...(room?.subscriptions.values() ?? [])].filter((s) => s.subscriberId === user || s.userId === user));
        expect(left).toEqual([]);
        model.members.delete(user);
        model.order = model.order.filter((id) => id !== user);
        break;
      }
      case 'visibility': {
        const r = await store.update(key, (room) => ops.setVisibility(room, user, session(user), o.visible, LIMITS));
        count(r);
        if (!m) {
          expect(r).toMatchObject({ ok: false, code: CODES.NOT_IN_ROOM });
          break;
        }
        if (m.visible === o.visible) {
          expect(r.ok).toBe(true);
          break;
        }
        const c = others(user);
        const fits = o.visible ? c.visible < LIMITS.maxVisible : c.invisible < LIMITS.maxInvisible;
        if (!fits) {
          expect(r).toMatchObject({ ok: false, code: o.visible ? CODES.ROOM_FULL : CODES.INVISIBLE_LIMIT });
          break;
        }
        expect(r.ok).toBe(true);
        m.visible = o.visible;
        model.order = model.order.filter((id) => id !== user);
        if (o.visible) model.order.push(user);
        break;
      }
      // Media changes leave membership alone; they are here for the subscriptions a leave must end.
      case 'publish':
        await store.update(key, (room) => ops.publish(room, user, session(user), o.screen, LIMITS, nowSec));
        break;
      case 'unpublish':
        await store.update(key, (room) => ops.unpublish(room, user, session(user), o.screen));
        break;
      case 'subscribe': {
        const input = { userId: USERS[o.target]!, screen: o.screen, audio: true, video: true };
        await store.update(key, (room) => ops.subscribe(room, user, session(user), input, nowSec));
        break;
      }
      case 'mute':
        await store.update(key, (room) => ops.muteLocal(room, user, session(user), o.audioOff, o.videoOff));
        break;
      case 'push':
        await store.update(key, (room) => (o.failed ? ops.pushFailed(room, user, o.screen, 'gone') : ops.pushStarted(room, user, o.screen)));
        break;
    }
    await store.read(key, (room) => checkRecord(room, model, key));
  }
}

/** Long enough to fill the room (3 visible, 4 invisible) and empty it again. */
const sequences = fc.array(op, { minLength: 10, maxLength: 80, size: 'max' });

/** Refusals at the limits seen over a property's runs: the property must have reached them. */
const refused = { [CODES.ROOM_FULL]: 0, [CODES.INVISIBLE_LIMIT]: 0 };
const count = (r: { ok: boolean; code?: number }) => {
  if (!r.ok && (r.code === CODES.ROOM_FULL || r.code === CODES.INVISIBLE_LIMIT)) refused[r.code]++;
};
const reachedLimits = () => {
  expect(refused[CODES.ROOM_FULL]).toBeGreaterThan(0);
  expect(refused[CODES.INVISIBLE_LIMIT]).toBeGreaterThan(0);
  refused[CODES.ROOM_FULL] = refused[CODES.INVISIBLE_LIMIT] = 0;
};

describe('room counts and the visible index (in memory)', () => {
  it('equal a recount and the model after every join, leave, kick and visibility change, and survive the codec', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(sequences, async (list) => {
        await run(new InMemoryRoomStore(), { appId: 'app', roomId: `r${n++}` }, list);
      }),
      { numRuns: 150 },
    );
    reachedLimits();
  });
});

describe('the limits at their boundary with a full audience', () => {
  const key = { appId: 'app', roomId: 'full' };
  const join = (room: RoomRecord, userId: string, visible: boolean, sessionId = `s-${userId}`) =>
    ops.join(room, { userId, sessionId, visible, businessId: null, tokenExpireAt: 0, privileges: ALL_PRIVILEGES, now: 0 }, DEFAULT_LIMITS);
  const fill = (): RoomRecord => {
    const room = emptyRoom(key);
    for (let i = 0; i < DEFAULT_LIMITS.maxInvisible; i++) expect(join(room, `i${i}`, false).ok).toBe(true);
    for (let i = 0; i < DEFAULT_LIMITS.maxVisible; i++) expect(join(room, `v${i}`, true).ok).toBe(true);
    return room;
  };
  /** The full room as stored now, and as an older version stored it (no order: counted on read). */
  const rooms: [string, () => RoomRecord][] = [
    ['in memory', fill],
    ['through the codec', () => decodeRoom(key, encodeRoom(fill()))],
    [
      'from a record without the visible order',
      () => {
        const { v: _v, ...old } = JSON.parse(encodeRoom(fill())) as Record<string, unknown>;
        return decodeRoom(key, JSON.stringify(old));
      },
    ],
  ];

  for (const [name, make] of rooms) {
    it(`refuses the next visible and invisible user and admits takeovers, ${name}`, () => {
      const room = make();
      expect(recount(room)).toEqual({ visible: DEFAULT_LIMITS.maxVisible, invisible: DEFAULT_LIMITS.maxInvisible });
      expect(room.visible.size).toBe(DEFAULT_LIMITS.maxVisible);
      expect(join(room, 'late', false)).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
      expect(join(room, 'late', true)).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
      // Neither direction of a visibility change fits either.
      expect(ops.setVisibility(room, 'i0', 's-i0', true, DEFAULT_LIMITS)).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
      expect(ops.setVisibility(room, 'v0', 's-v0', false, DEFAULT_LIMITS)).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
      // A member joining again is not counted twice.
      expect(join(room, 'i5', false, 'again-i5').ok).toBe(true);
      expect(join(room, 'v5', true, 'again-v5').ok).toBe(true);
      // The joiner is told of the visible members in the order they became visible (v5 came back last).
      const r = join(room, 'v6', true, 'again-v6');
      expect(r.ok && r.data.peers).toEqual([...Array.from({ length: 20 }, (_, i) => `v${i}`).filter((u) => u !== 'v5' && u !== 'v6'), 'v5']);
      // One leaves on each side: one more of each gets in, then no more.
      expect(ops.leave(room, 'i7', 's-i7', 'leave').ok).toBe(true);
      expect(ops.leave(room, 'v7', 's-v7', 'leave').ok).toBe(true);
      expect(join(room, 'late', false).ok).toBe(true);
      expect(join(room, 'late2', false)).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
      expect(join(room, 'late3', true).ok).toBe(true);
      expect(join(room, 'late4', true)).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
      // Swapping sides: one visible goes invisible after an invisible one left, then one comes back.
      expect(ops.leave(room, 'i8', 's-i8', 'kicked').ok).toBe(true);
      expect(ops.setVisibility(room, 'v9', 's-v9', false, DEFAULT_LIMITS).ok).toBe(true);
      expect(ops.setVisibility(room, 'i9', 's-i9', true, DEFAULT_LIMITS).ok).toBe(true);
      expect(ops.setVisibility(room, 'i10', 's-i10', true, DEFAULT_LIMITS)).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
      expect(recount(room)).toEqual({ visible: DEFAULT_LIMITS.maxVisible, invisible: DEFAULT_LIMITS.maxInvisible - 1 });
      expect({ visible: room.visible.size, invisible: room.members.size - room.visible.size }).toEqual(recount(room));
    });
  }
});

describe('the visible index read back from a record', () => {
  it('takes the stored order where it names visible members, and adds the visible members it lacks in join order', () => {
    const key = { appId: 'app', roomId: 'odd' };
    const room = emptyRoom(key);
    for (const [u, visible] of [
      ['p', true],
      ['x', false],
      ['q', true],
      ['r', true],
    ] as const)
      expect(
        ops.join(room, { userId: u, sessionId: `s-${u}`, visible, businessId: null, tokenExpireAt: 0, privileges: ALL_PRIVILEGES, now: 0 }, LIMITS).ok,
      ).toBe(true);
    const w = JSON.parse(encodeRoom(room)) as { v: string[] };
    expect(w.v).toEqual(['p', 'q', 'r']);
    // An order naming an invisible member, a stranger and one member twice, and missing two.
    w.v = ['q', 'x', 'ghost', 'q'];
    const back = decodeRoom(key, JSON.stringify(w));
    expect([...back.visible.keys()]).toEqual(['q', 'p', 'r']);
    expect(recount(back)).toEqual({ visible: back.visible.size, invisible: back.members.size - back.visible.size });
  });
});

describe("a member's subscriptions, found through the room's streams", () => {
  const key = { appId: 'app', roomId: 'subs' };
  const limits = { ...DEFAULT_LIMITS, maxVisible: 4 };
  const join = (room: RoomRecord, userId: string, visible: boolean, sessionId = `s-${userId}`) =>
    ops.join(room, { userId, sessionId, visible, businessId: null, tokenExpireAt: 0, privileges: ALL_PRIVILEGES, now: 0 }, limits);
  /** Two publishers (one with its screen too), a visible viewer and an audience of 50, each subscribed to the three streams. */
  const setup = (): RoomRecord => {
    const room = emptyRoom(key);
    const nowSec = Math.floor(Date.now() / 1000);
    for (const u of ['p', 'q', 'viewer']) expect(join(room, u, true).ok).toBe(true);
    expect(ops.publish(room, 'p', 's-p', false, limits, nowSec).ok).toBe(true);
    expect(ops.publish(room, 'p', 's-p', true, limits, nowSec).ok).toBe(true);
    expect(ops.publish(room, 'q', 's-q', false, limits, nowSec).ok).toBe(true);
    const audience = Array.from({ length: 50 }, (_, i) => `a${i}`);
    for (const u of [...audience, 'viewer']) {
      if (u !== 'viewer') expect(join(room, u, false).ok).toBe(true);
      for (const [target, screen] of [
        ['p', false],
        ['p', true],
        ['q', false],
      ] as const)
        expect(ops.subscribe(room, u, `s-${u}`, { userId: target, screen, audio: true, video: true }, nowSec).ok).toBe(true);
    }
    expect(room.subscriptions.size).toBe(51 * 3);
    return room;
  };
  const plays = (effects: { kind: string }[]) =>
    effects.filter((e): e is { kind: 'endPlay'; key: { userId: string; screen: boolean }; subscriberId: string } => e.kind === 'endPlay');

  it("ends exactly the leaver's plays (main and screen), on a leave, a kick and a takeover", () => {
    const room = setup();
    const left = ops.leave(room, 'a7', 's-a7', 'leave');
    expect(plays(left.effects).map((e) => [e.subscriberId, e.key.userId, e.key.screen])).toEqual([
      ['a7', 'p', false],
      ['a7', 'p', true],
      ['a7', 'q', false],
    ]);
    expect(plays(ops.leave(room, 'viewer', 's-viewer', 'kicked').effects)).toHaveLength(3);
    expect(plays(join(room, 'a8', false, 'again-a8').effects)).toHaveLength(3);
    expect(room.subscriptions.size).toBe(48 * 3);
    expect([...room.subscriptions.values()].some((s) => ['a7', 'a8', 'viewer'].includes(s.subscriberId))).toBe(false);
  });

  it("lists the subscriber's play URLs when its token is renewed", () => {
    const room = setup();
    const r = ops.renewToken(room, 'a3', 's-a3', 0, ALL_PRIVILEGES);
    expect(r.ok && r.data.urls.map((u) => [u.subscriberId, u.key.userId, u.key.screen])).toEqual([
      ['a3', 'p', false],
      ['a3', 'p', true],
      ['a3', 'q', false],
    ]);
  });
});

describe.runIf(needs(['redis-server'], 'room counts in Redis'))('room counts through a real redis-server', () => {
  let redis: TestRedis;
  let conn: Redis;
  beforeAll(async () => {
    redis = await TestRedis.start();
    conn = new Redis(redis.url);
  });
  afterAll(async () => {
    conn?.disconnect();
    await redis?.stop();
  });

  it('stay equal to a recount and the model when every step is a Redis round trip', async () => {
    const store = new RedisRoomStore(conn);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(sequences, async (list) => {
        await run(store, { appId: 'app', roomId: `r${n++}` }, list);
      }),
      { numRuns: 25 },
    );
    reachedLimits();
  });

  it('counts a record an older version wrote (no visible order) on read, and keeps the limits with it', async () => {
    const key = { appId: 'app', roomId: 'older' };
    const room = emptyRoom(key);
    const join = (r: RoomRecord, userId: string, visible: boolean) =>
      ops.join(r, { userId, sessionId: `s-${userId}`, visible, businessId: null, tokenExpireAt: 0, privileges: ALL_PRIVILEGES, now: 0 }, LIMITS);
    for (const [u, visible] of [
      ['x', false],
      ['p', true],
      ['y', false],
      ['q', true],
      ['z', false],
      ['w', false],
    ] as const)
      expect(join(room, u, visible).ok).toBe(true);
    // p turns invisible and back: it is now after q in the index, but an older record keeps no order.
    expect(ops.setVisibility(room, 'p', 's-p', false, { ...LIMITS, maxInvisible: 5 }).ok).toBe(true);
    expect(ops.setVisibility(room, 'p', 's-p', true, LIMITS).ok).toBe(true);
    const { v: _v, ...old } = JSON.parse(encodeRoom(room)) as Record<string, unknown>;
    await conn.hset(keys.room(key), 'v', 'old.1', 'd', JSON.stringify(old));
    const store = new RedisRoomStore(conn);
    expect(await store.read(key, (r) => [...r!.visible.keys()])).toEqual(['p', 'q']);
    expect(await store.update(key, (r) => join(r, 'late', false))).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
    expect(await store.update(key, (r) => join(r, 'r', true))).toMatchObject({ ok: true, data: { peers: ['p', 'q'] } });
    expect(await store.update(key, (r) => join(r, 's', true))).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
    // Written back by this version, with its order: the counts and the order come back as they were.
    const stored = JSON.parse((await conn.hget(keys.room(key), 'd'))!) as { v: string[] };
    expect(stored.v).toEqual(['p', 'q', 'r']);
    expect(await store.read(key, (r) => ({ ...recount(r!), index: r!.visible.size }))).toEqual({ visible: 3, invisible: 4, index: 3 });
  });
});
