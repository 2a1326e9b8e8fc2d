import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { APP_ID, RawClient, token } from '../support/client.js';
import { serve } from '../support/server.js';

// publish / subscribe / mute / visibility / report over real sockets on 127.0.0.1.

async function pair(url: string) {
  const alice = await RawClient.connect(url);
  const bob = await RawClient.connect(url);
  await alice.join('room1', 'alice');
  await bob.join('room1', 'bob');
  return { alice, bob };
}

describe('streams over the wire', () => {
  it('publish returns the media plane push URL and others hear stream-added; unpublish stream-removed', async () => {
    const { url, media } = await serve();
    const { alice, bob } = await pair(url);
    const p = await alice.request('publish', { screen: false });
    expect(p).toMatchObject({ ok: true, data: { url: `rtmp://media.test/push/${APP_ID}/room1/alice/main` } });
    expect((await bob.waitEvent('stream-added')).data).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    expect(await alice.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.ALREADY_PUBLISHED } });
    expect((await alice.request('unpublish', { screen: false })).ok).toBe(true);
    expect((await bob.waitEvent('stream-removed')).data).toEqual({ uid: 'alice', screen: false });
    expect(await alice.request('unpublish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.NOT_PUBLISHED } });
    expect(media.of('endPush')).toHaveLength(1);
  });

  it('publish and subscribe need their privileges', async () => {
    const { url } = await serve();
    const viewer = await RawClient.connect(url);
    await viewer.join('room1', 'viewer', { token: token('room1', 'viewer', { publish: null }) });
    expect(await viewer.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.NO_PUBLISH_PRIVILEGE } });
    const speaker = await RawClient.connect(url);
    await speaker.join('room1', 'speaker', { token: token('room1', 'speaker', { subscribe: null }) });
    await speaker.request('publish', { screen: false });
    expect(await speaker.request('subscribe', { userId: 'speaker', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      error: { code: CODES.NO_SUBSCRIBE_PRIVILEGE },
    });
    const late = await RawClient.connect(url);
    await late.join('room1', 'late', { token: token('room1', 'late', { publish: Math.floor(Date.now() / 1000) - 10 }) });
    expect(await late.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.TOKEN_EXPIRED } });
  });

  it('subscribe passes the options to the media plane and returns the play URL; unsubscribe ends it', async () => {
    const { url, media } = await serve();
    const { alice, bob } = await pair(url);
    expect(await bob.request('subscribe', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      error: { code: CODES.STREAM_NOT_PUBLISHED },
    });
    await alice.request('publish', { screen: false });
    const s = await bob.request('subscribe', { userId: 'alice', screen: false, audio: true, video: false });
    expect(s).toMatchObject({ ok: true, data: { url: expect.stringContaining('/alice/main?sub=bob') } });
    expect(media.of('issuePlayUrl')).toMatchObject([{ subscriberId: 'bob', options: { audio: true, video: false } }]);
    expect((await bob.request('muteRemote', { userId: 'alice', screen: false, audio: true, video: true })).ok).toBe(true);
    expect(media.of('setPlayPaused')).toMatchObject([{ subscriberId: 'bob', paused: true }]);
    expect((await bob.request('unsubscribe', { userId: 'alice', screen: false })).ok).toBe(true);
    expect(media.of('endPlay')).toMatchObject([{ subscriberId: 'bob' }]);
    expect(await bob.request('unsubscribe', { userId: 'alice', screen: false })).toMatchObject({ ok: false, error: { code: CODES.NOT_SUBSCRIBED } });
    expect(await bob.request('muteRemote', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      error: { code: CODES.NOT_SUBSCRIBED },
    });
  });

  it('muteLocal reaches the others as mute/unmute events and stream-removed / stream-added', async () => {
    const { url } = await serve();
    const { alice, bob } = await pair(url);
    expect(await alice.request('muteLocal', { audio: true, video: false })).toMatchObject({ ok: false, error: { code: CODES.NOT_PUBLISHED } });
    await alice.request('publish', { screen: false });
    for (const [audio, video] of [
      [true, false],
      [true, true],
      [false, true],
      [false, false],
    ]) {
      expect((await alice.request('muteLocal', { audio, video })).ok).toBe(true);
    }
    await bob.sync();
    expect(bob.events().map((f) => f.event)).toEqual(['stream-added', 'mute-audio', 'stream-removed', 'stream-added', 'unmute-video']);
    expect(bob.events('stream-added')[1]?.data).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: false } });
    expect(bob.events('mute-audio')[0]?.data).toEqual({ uid: 'alice', screen: false });
  });

  it('setVisibility: invisible joiners are not announced; switching announces peer-online / peer-leave', async () => {
    const { url } = await serve();
    const bob = await RawClient.connect(url);
    await bob.join('room1', 'bob');
    const ghost = await RawClient.connect(url);
    const j = await ghost.join('room1', 'ghost', { visible: false });
    expect(j.data.peers).toEqual(['bob']);
    expect(await ghost.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.INVISIBLE_CANNOT_PUBLISH } });
    await bob.sync();
    expect(bob.events()).toEqual([]);
    expect((await ghost.request('setVisibility', { visible: true })).ok).toBe(true);
    expect((await bob.waitEvent('peer-online')).data).toEqual({ uid: 'ghost' });
    await ghost.request('publish', { screen: false });
    expect((await ghost.request('setVisibility', { visible: false })).ok).toBe(true);
    await bob.waitEvent('peer-leave');
    expect(bob.events().map((f) => [f.event, f.data])).toEqual([
      ['peer-online', { uid: 'ghost' }],
      ['stream-added', { uid: 'ghost', screen: false, streamPublishState: { audio: true, video: true } }],
      ['stream-removed', { uid: 'ghost', screen: false }],
      ['peer-leave', { uid: 'ghost', reason: 'invisible' }],
    ]);
    expect(await RawClient.connect(url).then((c) => c.request('setVisibility', { visible: false }))).toMatchObject({
      ok: false,
      error: { code: CODES.NOT_IN_ROOM },
    });
  });

  it('tells the publisher stream-failed when the relay reports its push failed', async () => {
    const { url, media } = await serve();
    const { alice, bob } = await pair(url);
    await alice.request('publish', { screen: false });
    media.emit({ type: 'push-timeout', key: { appId: APP_ID, roomId: 'room1', userId: 'alice', screen: false }, reason: 'no push arrived in time' });
    expect((await alice.waitEvent('stream-failed')).data).toEqual({ uid: 'alice', screen: false, reason: 'no push arrived in time' });
    await bob.sync();
    expect(bob.events('stream-failed')).toEqual([]);
  });

  it('a dropped socket ends its pushes and plays, and the plays of its streams', async () => {
    const { url, media } = await serve({ resumeGraceMs: 0 });
    const { alice, bob } = await pair(url);
    await alice.request('publish', { screen: false });
    await bob.request('publish', { screen: false });
    await alice.request('subscribe', { userId: 'bob' });
    await bob.request('subscribe', { userId: 'alice' });
    alice.ws.terminate();
    await bob.waitEvent('peer-leave');
    expect(media.of('endPush').map((c) => c.key.userId)).toEqual(['alice']);
    expect(
      media
        .of('endPlay')
        .map((c) => `${c.subscriberId}>${c.key.userId}`)
        .sort(),
    ).toEqual(['alice>bob', 'bob>alice']);
  });

  it('report: keeps well-formed items per user and stream, unknown codes included, and counts them', async () => {
    const { url, server } = await serve();
    const { alice } = await pair(url);
    const items = [
      { kind: 'pusherState', at: 1, code: 1002, message: 'pushing' },
      { kind: 'pusherState', at: 2, code: 987654, message: 'a code nobody documented' },
      { kind: 'pusherNet', at: 3, info: { videoBitrate: 800, netSpeed: 1000 } },
      { kind: 'playerState', at: 4, uid: 'bob', code: 2004, message: 'playing' },
      { kind: 'playerNet', at: 5, uid: 'bob', info: { videoFPS: 15 } },
      { kind: 'pusherState', at: 6, code: 'x', message: 'bad code type' },
      { kind: 'nonsense', at: 7 },
      null,
    ];
    expect(await alice.request('report', { items })).toMatchObject({ ok: true, data: { accepted: 5 } });
    const mine = server.reports.query({ appId: APP_ID, userId: 'alice' });
    expect(mine.map((r) => r.item.at)).toEqual([1, 2, 3, 4, 5]);
    expect(server.reports.query({ appId: APP_ID, userId: 'alice', streamUid: 'bob' }).map((r) => r.item.kind)).toEqual(['playerState', 'playerNet']);
    expect(mine.find((r) => r.item.at === 2)?.item).toMatchObject({ code: 987654 });
    expect(await alice.request('report', { items: 'nope' })).toMatchObject({ ok: false, error: { code: CODES.INVALID_PARAMS } });
  });

  it('report keeps a bounded number of items per user, the newest', async () => {
    const { url, server } = await serve({ reportsPerUser: 10 });
    const { alice } = await pair(url);
    for (let batch = 0; batch < 3; batch++) {
      const items = Array.from({ length: 6 }, (_, i) => ({ kind: 'pusherState', at: batch * 6 + i, code: 1002, message: '' }));
      await alice.request('report', { items });
    }
    expect(server.reports.query({ appId: APP_ID, userId: 'alice' }).map((r) => r.item.at)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  });
});
