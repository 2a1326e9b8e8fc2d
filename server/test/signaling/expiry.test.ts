import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { APP_ID, RawClient, token } from '../support/client.js';
import { serve } from '../support/server.js';

describe('token expiry in the room', () => {
  it('warns with token-will-expire, then removes the user with disconnect {TOKEN_EXPIRED}', async () => {
    const { url, media, server } = await serve({ tokenWarnBeforeMs: 1500 });
    const expireAt = Math.floor(Date.now() / 1000) + 2;
    const alice = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    const j = await alice.join('room1', 'alice', { token: token('room1', 'alice', { expireAt }) });
    expect(j.data.tokenExpireAt).toBe(expireAt);
    await alice.request('publish', { screen: false });
    await bob.join('room1', 'bob');

    expect((await alice.waitEvent('token-will-expire')).data).toEqual({ expireAt });
    expect(alice.events('disconnect')).toEqual([]);
    expect((await alice.waitEvent('disconnect')).data).toMatchObject({ code: CODES.TOKEN_EXPIRED });
    expect((await alice.waitClose()).code).toBe(4002);
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'token-expired' });
    expect(bob.events().map((f) => f.event)).toEqual(['stream-removed', 'peer-leave']);
    expect(media.of('endPush')).toMatchObject([{ key: { userId: 'alice' }, reason: 'token-expired' }]);
    // The push URL was issued only until the token's expiry.
    expect(media.of('issuePushUrl')[0]?.expireAt).toBe(expireAt);
    const room = await server.rooms.inspect({ appId: APP_ID, roomId: 'room1' });
    expect(room?.members.map((m) => m.userId)).toEqual(['bob']);
  });

  it('a never-expiring token (expireAt 0) gets no warning', async () => {
    const { url } = await serve({ tokenWarnBeforeMs: 1_000_000_000 });
    const alice = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    await alice.sync();
    expect(alice.events()).toEqual([]);
  });
});
