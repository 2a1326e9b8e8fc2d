import { beforeEach, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/rooms/limits.js';
import { RoomService } from '../../src/rooms/service.js';
import { InMemoryRoomStore } from '../../src/rooms/store.js';
import { RecordingMediaPlane } from '../support/fake-media.js';
import { ALL_PRIVILEGES } from '../support/privileges.js';

// Room rules through the service, against an in-memory store and a recording media plane (the
// layer below). Events are recorded per session.

const A = { appId: 'app-a', roomId: 'r1' };
const nowSec = () => Math.floor(Date.now() / 1000);

let media: RecordingMediaPlane;
let sent: { to: string; event: string; data: any }[];
let kicks: { sessionId: string; code: number }[];
let rooms: RoomService;

function setup(limits: Partial<Limits> = {}): void {
  media = new RecordingMediaPlane();
  sent = [];
  kicks = [];
  rooms = new RoomService(
    new InMemoryRoomStore(),
    media,
    { ...DEFAULT_LIMITS, ...limits },
    {
      event: (to, event, data) => sent.push({ to, event, data }),
      kick: (sessionId, code) => kicks.push({ sessionId, code }),
    },
  );
}

const to = (sessionId: string, event?: string) => sent.filter((s) => s.to === sessionId && (event === undefined || s.event === event));

async function join(
  userId: string,
  over: { visible?: boolean; privileges?: Map<number, number>; key?: typeof A; session?: string; tokenExpireAt?: number } = {},
) {
  const session = over.session ?? `s-${userId}`;
  const r = await rooms.join(over.key ?? A, {
    userId,
    sessionId: session,
    visible: over.visible ?? true,
    businessId: null,
    tokenExpireAt: over.tokenExpireAt ?? 0,
    privileges: over.privileges ?? ALL_PRIVILEGES,
  });
  return r;
}

beforeEach(() => setup());

describe('join', () => {
  it('creates the room on first join and lists peers and streams to later joiners', async () => {
    expect(await rooms.inspect(A)).toBeUndefined();
    expect(await join('alice')).toMatchObject({ ok: true, data: { peers: [], streams: [] } });
    expect((await rooms.inspect(A))?.members.map((m) => m.userId)).toEqual(['alice']);
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.muteLocal(A, 'alice', 's-alice', true, false);
    const r = await join('bob');
    expect(r).toMatchObject({ ok: true, data: { peers: ['alice'], streams: [{ uid: 'alice', screen: false, audio: false, video: true }] } });
    expect(to('s-alice', 'peer-online').map((e) => e.data)).toEqual([{ uid: 'bob' }]);
  });

  it('neither announces nor lists invisible users, and tells invisible users of visible ones', async () => {
    await join('ghost', { visible: false });
    await join('alice');
    expect(to('s-ghost', 'peer-online').map((e) => e.data)).toEqual([{ uid: 'alice' }]);
    expect(await join('bob')).toMatchObject({ ok: true, data: { peers: ['alice'] } });
    expect(sent.filter((s) => s.data?.uid === 'ghost')).toEqual([]);
  });

  it('refuses the visible user past the limit with ROOM_FULL, but still admits invisible ones', async () => {
    setup({ maxVisible: 3 });
    for (const u of ['a', 'b', 'c']) expect((await join(u)).ok).toBe(true);
    expect(await join('d')).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
    expect((await join('d', { visible: false })).ok).toBe(true);
    expect((await rooms.inspect(A))?.members).toHaveLength(4);
  });

  it('refuses invisible users past their own limit with INVISIBLE_LIMIT', async () => {
    setup({ maxInvisible: 2 });
    await join('a', { visible: false });
    await join('b', { visible: false });
    expect(await join('c', { visible: false })).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
    expect((await join('c')).ok).toBe(true);
  });

  it('at the real defaults, holds 10,000 invisible users beside 20 visible ones, and no more', async () => {
    for (let i = 0; i < 20; i++) expect((await join(`v${i}`)).ok).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      const r = await join(`i${i}`, { visible: false });
      if (!r.ok) throw new Error(`invisible join ${i} refused: ${r.reason}`);
    }
    expect(await join('one-more', { visible: false })).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
    expect(await join('visible-21')).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
    expect((await rooms.inspect(A))?.members).toHaveLength(10_020);
  });

  it('tells a joiner of at most maxPeersInJoin peers', async () => {
    setup({ maxVisible: 50, maxPeersInJoin: 20 });
    for (let i = 0; i < 30; i++) await join(`u${i}`);
    const r = await join('late');
    expect(r.ok && r.data.peers.length).toBe(20);
    expect(r.ok && r.data.peers[0]).toBe('u0');
  });

  it('keeps apps apart: the same room id in two apps is two rooms', async () => {
    await join('alice');
    const r = await join('bob', { key: { appId: 'app-b', roomId: 'r1' } });
    expect(r).toMatchObject({ ok: true, data: { peers: [] } });
    expect(to('s-alice')).toEqual([]);
    expect((await rooms.rooms('app-a')).map((k) => k.roomId)).toEqual(['r1']);
  });
});

describe('takeover by a second join of the same user', () => {
  it('kicks the old session without peer churn and ends what it published and played', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.publish(A, 'bob', 's-bob', false);
    await rooms.subscribe(A, 'alice', 's-alice', { userId: 'bob', screen: false, audio: true, video: true });
    sent = [];
    const r = await join('alice', { session: 's-alice-2' });
    expect(r).toMatchObject({ ok: true, data: { peers: ['bob'], replacedSessionId: 's-alice' } });
    expect(kicks).toEqual([{ sessionId: 's-alice', code: CODES.KICKED }]);
    expect(to('s-bob').map((e) => e.event)).toEqual(['stream-removed']);
    expect(media.of('endPush').map((c) => c.key.userId)).toEqual(['alice']);
    expect(media.of('endPlay')).toMatchObject([{ key: { userId: 'bob' }, subscriberId: 'alice' }]);
    // The old session can no longer act.
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: false, code: CODES.NOT_IN_ROOM });
    expect((await rooms.publish(A, 'alice', 's-alice-2', false)).ok).toBe(true);
  });

  it('announces a visibility change made by the takeover', async () => {
    await join('alice');
    await join('bob');
    sent = [];
    await join('alice', { session: 's2', visible: false });
    expect(to('s-bob').map((e) => [e.event, e.data])).toEqual([['peer-leave', { uid: 'alice', reason: 'invisible' }]]);
  });

  it('does not count the replaced session toward the limit', async () => {
    setup({ maxVisible: 2 });
    await join('a');
    await join('b');
    expect((await join('b', { session: 's-b2' })).ok).toBe(true);
  });
});

describe('leave', () => {
  it('tells others stream-removed then peer-leave, ends pushes and plays, and deletes the empty room', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.publish(A, 'bob', 's-bob', false);
    await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true });
    await rooms.subscribe(A, 'alice', 's-alice', { userId: 'bob', screen: false, audio: true, video: true });
    sent = [];
    expect((await rooms.leave(A, 'alice', 's-alice', 'leave')).ok).toBe(true);
    expect(to('s-bob').map((e) => [e.event, e.data])).toEqual([
      ['stream-removed', { uid: 'alice', screen: false }],
      ['peer-leave', { uid: 'alice', reason: 'leave' }],
    ]);
    expect(media.of('endPush').map((c) => c.key.userId)).toEqual(['alice']);
    expect(
      media
        .of('endPlay')
        .map((c) => `${c.subscriberId}>${c.key.userId}`)
        .sort(),
    ).toEqual(['alice>bob', 'bob>alice']);
    expect((await rooms.inspect(A))?.subscriptions).toEqual([]);
    await rooms.leave(A, 'bob', 's-bob', 'timeout');
    expect(await rooms.inspect(A)).toBeUndefined();
  });

  it('passes the reason (token-expired) and is refused for a session not in the room', async () => {
    await join('alice');
    await join('bob');
    await rooms.leave(A, 'alice', 's-alice', 'token-expired');
    expect(to('s-bob', 'peer-leave')[0]?.data).toEqual({ uid: 'alice', reason: 'token-expired' });
    expect(await rooms.leave(A, 'alice', 's-alice', 'leave')).toMatchObject({ ok: false, code: CODES.NOT_IN_ROOM });
  });
});

describe('publish / unpublish', () => {
  it('issues a push URL from the media plane and announces stream-added', async () => {
    await join('alice');
    await join('bob');
    const r = await rooms.publish(A, 'alice', 's-alice', false);
    expect(r).toEqual({ ok: true, data: { url: 'rtmp://media.test/push/app-a/r1/alice/main' }, effects: [] });
    expect(to('s-bob', 'stream-added')[0]?.data).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: false, code: CODES.ALREADY_PUBLISHED });
    expect((await rooms.publish(A, 'alice', 's-alice', true)).ok).toBe(true);
  });

  it('gives the media plane the earliest of the privilege and token expiries', async () => {
    const t = nowSec() + 500;
    await join('alice', { privileges: new Map([[0, t + 100]]), tokenExpireAt: t });
    await rooms.publish(A, 'alice', 's-alice', false);
    expect(media.of('issuePushUrl')[0]?.expireAt).toBe(t);
  });

  it('refuses without PublishStream, with it expired, and for invisible users', async () => {
    await join('sub', { privileges: new Map([[4, 0]]) });
    expect(await rooms.publish(A, 'sub', 's-sub', false)).toMatchObject({ ok: false, code: CODES.NO_PUBLISH_PRIVILEGE });
    await join('old', { privileges: new Map([[0, nowSec() - 5]]) });
    expect(await rooms.publish(A, 'old', 's-old', false)).toMatchObject({ ok: false, code: CODES.TOKEN_EXPIRED });
    await join('ghost', { visible: false });
    expect(await rooms.publish(A, 'ghost', 's-ghost', false)).toMatchObject({ ok: false, code: CODES.INVISIBLE_CANNOT_PUBLISH });
    expect(media.of('issuePushUrl')).toEqual([]);
  });

  it('refuses the publisher past the limit with PUBLISHER_LIMIT; a publisher may add its screen', async () => {
    setup({ maxPublishers: 2 });
    for (const u of ['a', 'b', 'c']) await join(u);
    expect((await rooms.publish(A, 'a', 's-a', false)).ok).toBe(true);
    expect((await rooms.publish(A, 'b', 's-b', false)).ok).toBe(true);
    expect(await rooms.publish(A, 'c', 's-c', false)).toMatchObject({ ok: false, code: CODES.PUBLISHER_LIMIT });
    expect((await rooms.publish(A, 'a', 's-a', true)).ok).toBe(true);
    await rooms.unpublish(A, 'b', 's-b', false);
    expect((await rooms.publish(A, 'c', 's-c', false)).ok).toBe(true);
  });

  it('unpublish announces stream-removed, ends the push and every play of it', async () => {
    await join('alice');
    await join('bob');
    expect(await rooms.unpublish(A, 'alice', 's-alice', false)).toMatchObject({ ok: false, code: CODES.NOT_PUBLISHED });
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: false });
    expect((await rooms.unpublish(A, 'alice', 's-alice', false)).ok).toBe(true);
    expect(to('s-bob', 'stream-removed')[0]?.data).toEqual({ uid: 'alice', screen: false });
    expect(media.of('endPush')).toMatchObject([{ key: { userId: 'alice', screen: false }, reason: 'unpublish' }]);
    expect(media.of('endPlay')).toMatchObject([{ key: { userId: 'alice' }, subscriberId: 'bob' }]);
    expect(await rooms.unsubscribe(A, 'bob', 's-bob', 'alice', false)).toMatchObject({ ok: false, code: CODES.NOT_SUBSCRIBED });
  });
});

describe('subscribe / unsubscribe / muteRemote', () => {
  beforeEach(async () => {
    await join('alice');
    await rooms.publish(A, 'alice', 's-alice', false);
  });

  it('passes the options to the media plane and returns its play URL', async () => {
    await join('bob');
    const r = await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: false, video: true });
    expect(r).toMatchObject({ ok: true, data: { url: 'rtmp://media.test/play/app-a/r1/alice/main?sub=bob' } });
    expect(media.of('issuePlayUrl')).toMatchObject([{ key: { userId: 'alice', screen: false }, subscriberId: 'bob', options: { audio: false, video: true } }]);
    expect((await rooms.unsubscribe(A, 'bob', 's-bob', 'alice', false)).ok).toBe(true);
    expect(media.of('endPlay')).toMatchObject([{ subscriberId: 'bob' }]);
  });

  it('refuses without SubscribeStream, and for a stream that is not published', async () => {
    await join('pub', { privileges: new Map([[0, 0]]) });
    expect(await rooms.subscribe(A, 'pub', 's-pub', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.NO_SUBSCRIBE_PRIVILEGE,
    });
    await join('bob');
    expect(await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: true, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.STREAM_NOT_PUBLISHED,
    });
    expect(await rooms.subscribe(A, 'bob', 's-bob', { userId: 'nobody', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.STREAM_NOT_PUBLISHED,
    });
  });

  it('muteRemote pauses delivery once nothing subscribed is left unpaused, and needs a subscription', async () => {
    await join('bob');
    expect(await rooms.muteRemote(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.NOT_SUBSCRIBED,
    });
    await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true });
    await rooms.muteRemote(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: false });
    await rooms.muteRemote(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true });
    await rooms.muteRemote(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: false, video: false });
    expect(media.of('setPlayPaused').map((c) => c.paused)).toEqual([false, true, false]);
    expect(media.of('setPlayPaused')[0]).toMatchObject({ key: { userId: 'alice' }, subscriberId: 'bob' });
  });
});

describe('muteLocal', () => {
  it('announces mute/unmute, and both off as stream-removed, back as stream-added', async () => {
    await join('alice');
    await join('bob');
    expect(await rooms.muteLocal(A, 'alice', 's-alice', true, false)).toMatchObject({ ok: false, code: CODES.NOT_PUBLISHED });
    await rooms.publish(A, 'alice', 's-alice', false);
    sent = [];
    await rooms.muteLocal(A, 'alice', 's-alice', true, false); // audio off
    await rooms.muteLocal(A, 'alice', 's-alice', true, true); // both off
    await rooms.muteLocal(A, 'alice', 's-alice', false, true); // audio back
    await rooms.muteLocal(A, 'alice', 's-alice', false, false); // video back
    await rooms.muteLocal(A, 'alice', 's-alice', false, true); // video off
    await rooms.muteLocal(A, 'alice', 's-alice', false, true); // no change
    expect(to('s-bob').map((e) => [e.event, e.data])).toEqual([
      ['mute-audio', { uid: 'alice', screen: false }],
      ['stream-removed', { uid: 'alice', screen: false }],
      ['stream-added', { uid: 'alice', screen: false, streamPublishState: { audio: true, video: false } }],
      ['unmute-video', { uid: 'alice', screen: false }],
      ['mute-video', { uid: 'alice', screen: false }],
    ]);
  });

  it('a stream with both off is not listed to a new joiner, and its leave sends no stream-removed', async () => {
    await join('alice');
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.muteLocal(A, 'alice', 's-alice', true, true);
    expect(await join('bob')).toMatchObject({ ok: true, data: { streams: [] } });
    await rooms.leave(A, 'alice', 's-alice', 'leave');
    expect(to('s-bob').map((e) => e.event)).toEqual(['peer-leave']);
  });

  it('both off ends every subscription to the stream, as stream-removed does in the runtime; it cannot be subscribed until back', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true });
    await rooms.muteLocal(A, 'alice', 's-alice', true, true);
    expect(media.of('endPlay')).toMatchObject([{ key: { userId: 'alice', screen: false }, subscriberId: 'bob' }]);
    expect((await rooms.inspect(A))?.subscriptions).toEqual([]);
    expect(await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.STREAM_NOT_PUBLISHED,
    });
    await rooms.muteLocal(A, 'alice', 's-alice', false, true);
    expect((await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true })).ok).toBe(true);
  });
});

describe('setVisibility', () => {
  it('turning invisible unpublishes first, then peer-leave {reason: invisible}; back visible is peer-online', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    sent = [];
    expect((await rooms.setVisibility(A, 'alice', 's-alice', false)).ok).toBe(true);
    expect(to('s-bob').map((e) => [e.event, e.data])).toEqual([
      ['stream-removed', { uid: 'alice', screen: false }],
      ['peer-leave', { uid: 'alice', reason: 'invisible' }],
    ]);
    expect(media.of('endPush')).toHaveLength(1);
    expect((await rooms.setVisibility(A, 'alice', 's-alice', false)).ok).toBe(true);
    expect(to('s-bob')).toHaveLength(2);
    await rooms.setVisibility(A, 'alice', 's-alice', true);
    expect(to('s-bob').at(-1)).toMatchObject({ event: 'peer-online', data: { uid: 'alice' } });
  });

  it('refuses a switch to visible in a full room, and to invisible past the invisible limit', async () => {
    setup({ maxVisible: 1, maxInvisible: 1 });
    await join('a');
    await join('b', { visible: false });
    expect(await rooms.setVisibility(A, 'b', 's-b', true)).toMatchObject({ ok: false, code: CODES.ROOM_FULL });
    expect(await rooms.setVisibility(A, 'a', 's-a', false)).toMatchObject({ ok: false, code: CODES.INVISIBLE_LIMIT });
  });
});

describe('media events', () => {
  const alice = { ...A, userId: 'alice', screen: false };
  const settled = () => new Promise((r) => setImmediate(r));

  it('a push that never arrives: stream-failed to the publisher, stream-removed to the others, plays ended', async () => {
    await join('alice');
    await join('bob');
    await join('ghost', { visible: false });
    await rooms.publish(A, 'alice', 's-alice', false);
    await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true });
    sent = [];
    media.emit({ type: 'push-timeout', key: alice, reason: 'no push arrived' });
    media.emit({ type: 'push-stopped', key: { ...A, userId: 'nobody', screen: false }, reason: 'gone' });
    await settled();
    expect(to('s-alice').map((e) => [e.event, e.data])).toEqual([['stream-failed', { uid: 'alice', screen: false, reason: 'no push arrived' }]]);
    for (const s of ['s-bob', 's-ghost']) expect(to(s).map((e) => [e.event, e.data])).toEqual([['stream-removed', { uid: 'alice', screen: false }]]);
    expect(sent.filter((s) => s.data?.uid === 'nobody')).toEqual([]);
    expect(media.of('endPlay')).toMatchObject([{ key: { userId: 'alice', screen: false }, subscriberId: 'bob' }]);
    expect(media.of('endPush')).toEqual([]); // the relay ended it; the URL is the publisher's to retry with
    const view = await rooms.inspect(A);
    expect(view?.subscriptions).toEqual([]);
    expect(view?.streams.map((s) => s.uid)).toEqual(['alice']);
    // Neither listed nor subscribable while failed.
    expect(await join('carol')).toMatchObject({ ok: true, data: { streams: [] } });
    expect(await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      code: CODES.STREAM_NOT_PUBLISHED,
    });
  });

  it('a dropped push, then publish again: a fresh URL, no ALREADY_PUBLISHED; the next push-started announces it with its current state', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    media.emit({ type: 'push-stopped', key: alice, reason: 'publisher disconnected' });
    await settled();
    sent = [];
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: true, data: { url: 'rtmp://media.test/push/app-a/r1/alice/main' } });
    expect(media.of('issuePushUrl')).toHaveLength(2);
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: false, code: CODES.ALREADY_PUBLISHED });
    // A mute while failed is not announced: the others do not see the stream.
    await rooms.muteLocal(A, 'alice', 's-alice', true, false);
    expect(to('s-bob')).toEqual([]);
    media.emit({ type: 'push-started', key: alice });
    await settled();
    expect(to('s-bob').map((e) => [e.event, e.data])).toEqual([
      ['stream-added', { uid: 'alice', screen: false, streamPublishState: { audio: false, video: true } }],
    ]);
    expect((await rooms.subscribe(A, 'bob', 's-bob', { userId: 'alice', screen: false, audio: true, video: true })).ok).toBe(true);
    expect(await join('carol')).toMatchObject({ ok: true, data: { streams: [{ uid: 'alice', screen: false, audio: false, video: true }] } });
    // Once more: each failure is told again.
    media.emit({ type: 'push-stopped', key: alice, reason: 'publisher disconnected' });
    await settled();
    expect(to('s-alice', 'stream-failed')).toHaveLength(1);
    expect(to('s-bob', 'stream-removed')).toHaveLength(1);
    expect(to('s-carol', 'stream-removed')).toHaveLength(1);
  });

  it('a pusher that gets back in by itself: the others hear stream-added; a retry then gets the URL in use, not a new one', async () => {
    await join('alice');
    await join('bob');
    const first = await rooms.publish(A, 'alice', 's-alice', false);
    media.emit({ type: 'push-stopped', key: alice, reason: 'publisher disconnected' });
    media.emit({ type: 'push-started', key: alice });
    await settled();
    expect(to('s-bob').map((e) => e.event)).toEqual(['stream-added', 'stream-removed', 'stream-added']);
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toEqual(first);
    expect(media.of('issuePushUrl')).toHaveLength(1); // a new URL would cut the live push
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: false, code: CODES.ALREADY_PUBLISHED });
  });

  it('a stream with both off fails and comes back unheard by the others; push-started on a healthy stream says nothing', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    sent = [];
    media.emit({ type: 'push-started', key: alice });
    await settled();
    expect(sent).toEqual([]);
    await rooms.muteLocal(A, 'alice', 's-alice', true, true);
    sent = [];
    media.emit({ type: 'push-stopped', key: alice, reason: 'publisher disconnected' });
    media.emit({ type: 'push-started', key: alice });
    await settled();
    expect(to('s-bob')).toEqual([]);
    expect(to('s-alice', 'stream-failed')).toHaveLength(1);
    await rooms.muteLocal(A, 'alice', 's-alice', false, false);
    expect(to('s-bob').map((e) => e.event)).toEqual(['stream-added']);
  });

  it('unpublish of a failed stream tells the others nothing more, and ends the push', async () => {
    await join('alice');
    await join('bob');
    await rooms.publish(A, 'alice', 's-alice', false);
    media.emit({ type: 'push-timeout', key: alice, reason: 'no push arrived' });
    await settled();
    sent = [];
    expect((await rooms.unpublish(A, 'alice', 's-alice', false)).ok).toBe(true);
    expect(to('s-bob')).toEqual([]);
    expect(media.of('endPush')).toMatchObject([{ key: { userId: 'alice' }, reason: 'unpublish' }]);
    expect(await rooms.publish(A, 'alice', 's-alice', false)).toMatchObject({ ok: true });
    expect(to('s-bob', 'stream-added')).toHaveLength(1);
  });
});

describe('the order in which a room hears of a change', () => {
  it('tells the visible members before the invisible ones, whatever the order they joined in', async () => {
    await join('audience-1', { visible: false });
    await join('alice');
    await join('audience-2', { visible: false });
    await join('bob');
    await join('carol');
    sent = [];
    await rooms.publish(A, 'alice', 's-alice', false);
    expect(sent.filter((s) => s.event === 'stream-added').map((s) => s.to)).toEqual(['s-bob', 's-carol', 's-audience-1', 's-audience-2']);
    sent = [];
    await rooms.leave(A, 'bob', 's-bob', 'leave');
    expect(sent.filter((s) => s.event === 'peer-leave').map((s) => s.to)).toEqual(['s-alice', 's-carol', 's-audience-1', 's-audience-2']);
  });
});

describe('beforeAudience', () => {
  it('is called once per operation, after the visible members were told and before the first invisible one; afterAudience after its last effect', async () => {
    const log: string[] = [];
    const svc = new RoomService(new InMemoryRoomStore(), new RecordingMediaPlane(), DEFAULT_LIMITS, {
      event: (to, event) => log.push(`${event}>${to}`),
      kick: () => undefined,
      beforeAudience: () => log.push('flush'),
      afterAudience: () => log.push('end'),
    });
    const member = (userId: string, visible: boolean) => ({
      userId,
      sessionId: `s-${userId}`,
      visible,
      businessId: null,
      tokenExpireAt: 0,
      privileges: ALL_PRIVILEGES,
    });
    await svc.join(A, member('alice', true));
    await svc.join(A, member('bob', true));
    expect(log).toEqual(['peer-online>s-alice']);
    await svc.join(A, member('aud', false));
    log.length = 0;
    await svc.muteLocal(A, 'alice', 's-alice', true, false);
    await svc.publish(A, 'alice', 's-alice', false);
    expect(log).toEqual(['stream-added>s-bob', 'flush', 'stream-added>s-aud', 'end']);
    // Two events in one operation (a publisher leaves): the visible members hear both first.
    log.length = 0;
    await svc.leave(A, 'alice', 's-alice', 'leave');
    expect(log).toEqual(['stream-removed>s-bob', 'peer-leave>s-bob', 'flush', 'stream-removed>s-aud', 'peer-leave>s-aud', 'end']);
  });
});
