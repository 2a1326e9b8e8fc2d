import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { APP2_ID, APP2_KEY, APP_ID, RawClient, token } from '../support/client.js';
import { serve } from '../support/server.js';

// join / leave / takeover / isolation over real sockets on 127.0.0.1.

describe('join and leave over the wire', () => {
  it('answers join with the session, the peers and the streams, and announces the joiner', async () => {
    const { url, server } = await serve();
    const alice = await RawClient.connect(url);
    const j1 = await alice.join('room1', 'alice', { businessId: 'class-7' });
    expect(j1).toMatchObject({ v: 1, type: 'response', ok: true, data: { peers: [], streams: [], tokenExpireAt: 0 } });
    expect(typeof j1.data.sessionId).toBe('string');
    expect((await alice.request('publish', { screen: false })).ok).toBe(true);

    const bob = await RawClient.connect(url);
    const j2 = await bob.join('room1', 'bob');
    expect(j2.data).toMatchObject({ peers: ['alice'], streams: [{ uid: 'alice', screen: false, audio: true, video: true }] });
    expect((await alice.waitEvent('peer-online')).data).toEqual({ uid: 'bob' });
    // businessId travels with join and is kept on the server.
    const room = await server.rooms.inspect({ appId: APP_ID, roomId: 'room1' });
    expect(room?.members.find((m) => m.userId === 'alice')?.businessId).toBe('class-7');
    expect(room?.members.find((m) => m.userId === 'bob')?.businessId).toBeNull();
  });

  it('leave: others hear stream-removed and peer-leave; the socket may join again', async () => {
    const { url, media } = await serve();
    const alice = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    await alice.request('publish', { screen: false });
    await bob.join('room1', 'bob');
    expect((await alice.request('leave')).ok).toBe(true);
    expect((await bob.waitEvent('stream-removed')).data).toEqual({ uid: 'alice', screen: false });
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'leave' });
    expect(media.of('endPush')).toHaveLength(1);
    expect(await alice.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.NOT_IN_ROOM } });
    expect((await alice.join('room2', 'alice')).ok).toBe(true);
  });

  it('a dropped socket leaves with peer-leave {reason: timeout}', async () => {
    const { url } = await serve({ resumeGraceMs: 0 }); // no grace: the drop is a leave at once
    const alice = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    await bob.join('room1', 'bob');
    alice.ws.terminate();
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
  });

  it('one room at a time: a second join on the same socket is ALREADY_IN_ROOM', async () => {
    const { url } = await serve();
    const alice = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    expect(await alice.join('room2', 'alice')).toMatchObject({ ok: false, error: { code: CODES.ALREADY_IN_ROOM } });
  });

  it('refuses bad tokens with their own codes, and unknown apps and bad ids', async () => {
    const { url } = await serve();
    const c = await RawClient.connect(url);
    const cases: [Record<string, unknown>, number][] = [
      [{ token: token('room1', 'alice') + 'x' }, CODES.TOKEN_INVALID],
      [{ token: token('room1', 'alice', { appKey: 'wrong' }) }, CODES.TOKEN_INVALID],
      [{ token: token('room1', 'alice', { expireAt: 1_000_000_000 }) }, CODES.TOKEN_EXPIRED],
      [{ token: token('room2', 'alice') }, CODES.TOKEN_MISMATCH],
      [{ token: token('room1', 'bob') }, CODES.TOKEN_MISMATCH],
      [{ token: token('room1', 'alice', { appId: APP2_ID, appKey: APP2_KEY }) }, CODES.TOKEN_MISMATCH],
      [{ appId: 'ffffffffffffffffffffffff' }, CODES.APP_UNKNOWN],
      [{ roomId: 'bad room!' }, CODES.INVALID_PARAMS],
      [{ userId: 'x'.repeat(129) }, CODES.INVALID_PARAMS],
      [{ userId: 42 }, CODES.INVALID_PARAMS],
      [{ visible: 'yes' }, CODES.INVALID_PARAMS],
      [{ token: '' }, CODES.INVALID_PARAMS],
    ];
    for (const [over, code] of cases) {
      const r = await c.request('join', { appId: APP_ID, token: token('room1', 'alice'), roomId: 'room1', userId: 'alice', visible: true, ...over });
      expect(r, JSON.stringify(over).slice(0, 80)).toMatchObject({ ok: false, error: { code } });
    }
    expect((await c.join('room1', 'alice')).ok).toBe(true);
  });

  it('takeover: the old socket hears disconnect {KICKED} and is closed; the others see no peer churn', async () => {
    const { url } = await serve();
    const old = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    await old.join('room1', 'alice');
    await bob.join('room1', 'bob');
    const fresh = await RawClient.connect(url);
    const r = await fresh.join('room1', 'alice');
    expect(r).toMatchObject({ ok: true, data: { peers: ['bob'] } });
    expect((await old.waitEvent('disconnect')).data).toMatchObject({ code: CODES.KICKED });
    expect((await old.waitClose()).code).toBe(4001);
    // The room goes on with the new socket; bob saw alice come online once, never leave.
    expect((await fresh.request('publish', { screen: false })).ok).toBe(true);
    await bob.waitEvent('stream-added');
    expect(bob.events('peer-leave')).toEqual([]);
    expect(bob.events('peer-online')).toEqual([]);
  });

  it('apps are isolated: the same room id in two apps shares nothing', async () => {
    const { url } = await serve();
    const a = await RawClient.connect(url);
    const b = await RawClient.connect(url);
    await a.join('room1', 'alice');
    await a.request('publish', { screen: false });
    const jb = await b.join('room1', 'bob', { appId: APP2_ID });
    expect(jb).toMatchObject({ ok: true, data: { peers: [], streams: [] } });
    expect(await b.request('subscribe', { userId: 'alice', screen: false, audio: true, video: true })).toMatchObject({
      ok: false,
      error: { code: CODES.STREAM_NOT_PUBLISHED },
    });
    await b.request('publish', { screen: false });
    await a.sync();
    expect(a.events()).toEqual([]);
  });

  it('limits joins per IP with RATE_LIMITED', async () => {
    const { url } = await serve({ joinRateLimit: { max: 3, windowMs: 60_000 } });
    const c = await RawClient.connect(url);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await c.request('join', { appId: APP_ID, token: 'bad', roomId: 'room1', userId: 'alice', visible: true });
      codes.push(r.error!.code);
    }
    expect(codes).toEqual([CODES.TOKEN_INVALID, CODES.TOKEN_INVALID, CODES.TOKEN_INVALID, CODES.RATE_LIMITED, CODES.RATE_LIMITED]);
  });
});
