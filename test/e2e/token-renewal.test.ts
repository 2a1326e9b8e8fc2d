// Token renewal end to end: the runtime's updateToken against the REAL server (over the wx
// transport). The server verifies the new token, moves the expiry with its TOKEN_WILL_EXPIRE
// warning and removal, records it for the room, refuses a token of someone else with
// TOKEN_RENEW_MISMATCH, and the SDK keeps the new token for a fresh join after a lost session.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { RawClient } from '../../server/test/support/client.js';
import { RecordingMediaPlane } from '../../server/test/support/fake-media.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch } from '../support/runtime-harness.js';
import { createTestWx, type TestWx } from '../support/wx.js';

const create = (server: RunningServer): ClientRuntime => createRuntime({ server: server.url });
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );
const nowSec = () => Math.floor(Date.now() / 1000);

let wx: TestWx;
const clients: ClientRuntime[] = [];
let room = 0;

beforeAll(() => {
  wx = createTestWx();
  (globalThis as { wx?: unknown }).wx = wx;
});
afterAll(() => {
  delete (globalThis as { wx?: unknown }).wx;
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
});

async function joined(server: RunningServer, roomId: string, userId: string, expireAt?: number) {
  const rt = create(server);
  clients.push(rt);
  const w = watch(rt, Object.values(EVENTS));
  await rt.init(E2E_APP_ID);
  await rt.join(mintToken(roomId, userId, expireAt === undefined ? {} : { expireAt }), roomId, userId);
  return { rt, w };
}

async function memberExpiry(server: RunningServer, roomId: string, userId: string): Promise<number | undefined> {
  const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId });
  return view?.members.find((m) => m.userId === userId)?.tokenExpireAt;
}

describe('updateToken against the real server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startRealServer({ tokenWarnBeforeMs: 1_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('renewing on TOKEN_WILL_EXPIRE moves the warning and the removal to the new token; nobody sees a leave', async () => {
    const r = `renew-${++room}`;
    const first = nowSec() + 2;
    const alice = await joined(server, r, 'alice', first);
    const bob = await joined(server, r, 'bob');
    expect(await alice.w.next(EVENTS.TOKEN_WILL_EXPIRE)).toEqual({ expireAt: first });

    const second = first + 3;
    await alice.rt.updateToken(mintToken(r, 'alice', { expireAt: second }));
    expect(await memberExpiry(server, r, 'alice')).toBe(second);
    // The second warning comes a second before the new expiry: past the old token's removal.
    expect(await alice.w.next(EVENTS.TOKEN_WILL_EXPIRE)).toEqual({ expireAt: second });
    expect(nowSec()).toBeGreaterThan(first);
    expect(alice.w.of(EVENTS.DISCONNECT)).toEqual([]);
    expect(bob.w.of(EVENTS.PEER_LEAVE)).toEqual([]);
    await alice.rt.publish(); // still in the room, with the privileges of the new token

    // Not renewed again: removed as documented.
    expect(await alice.w.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.TOKEN_EXPIRED });
    expect(await bob.w.next(EVENTS.PEER_LEAVE)).toEqual({ uid: 'alice', reason: 'token-expired' });
  });

  it('a token for another user, room or app is refused with TOKEN_RENEW_MISMATCH; the session keeps its token', async () => {
    const r = `renew-${++room}`;
    const expireAt = nowSec() + 600;
    const alice = await joined(server, r, 'alice', expireAt);
    expect(await codeOf(alice.rt.updateToken(mintToken(r, 'bob')))).toBe(ERROR_CODES.TOKEN_RENEW_MISMATCH);
    expect(await codeOf(alice.rt.updateToken(mintToken(`${r}-other`, 'alice')))).toBe(ERROR_CODES.TOKEN_RENEW_MISMATCH);
    const otherApp = mintToken(r, 'alice', { appId: 'another0app0id0000000000', appKey: 'another-key' });
    expect(await codeOf(alice.rt.updateToken(otherApp))).toBe(ERROR_CODES.TOKEN_RENEW_MISMATCH);
    expect(await codeOf(alice.rt.updateToken(mintToken(r, 'alice', { expireAt: nowSec() - 60 })))).toBe(ERROR_CODES.TOKEN_EXPIRED);
    expect(await codeOf(alice.rt.updateToken('001not-a-token'))).toBe(ERROR_CODES.TOKEN_INVALID);
    expect(await codeOf(alice.rt.updateToken(''))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(await memberExpiry(server, r, 'alice')).toBe(expireAt);
    expect(alice.w.of(EVENTS.DISCONNECT)).toEqual([]);
    await alice.rt.publish();
  });

  it('bad updateToken frames are refused on their id; the socket and the session stay', async () => {
    const r = `renew-${++room}`;
    const c = await RawClient.connect(server.url);
    try {
      const refused = async (body: Record<string, unknown>) => ((await c.request('updateToken', body)).error as { code: number }).code;
      expect(await refused({ token: mintToken(r, 'raw') })).toBe(ERROR_CODES.NOT_IN_ROOM);
      expect((await c.join(r, 'raw', { appId: E2E_APP_ID, token: mintToken(r, 'raw') })).ok).toBe(true);
      expect(await refused({})).toBe(ERROR_CODES.INVALID_PARAMS);
      expect(await refused({ token: 42 })).toBe(ERROR_CODES.INVALID_PARAMS);
      expect(await refused({ token: '' })).toBe(ERROR_CODES.INVALID_PARAMS);
      expect(await refused({ token: `001${'x'.repeat(5000)}` })).toBe(ERROR_CODES.INVALID_PARAMS);
      expect(await refused({ token: mintToken(r, 'other') })).toBe(ERROR_CODES.TOKEN_RENEW_MISMATCH);
      const renewed = nowSec() + 900;
      expect(await c.request('updateToken', { token: mintToken(r, 'raw', { expireAt: renewed }) })).toMatchObject({
        ok: true,
        data: { tokenExpireAt: renewed },
      });
      expect((await c.request('publish', { screen: false })).ok).toBe(true);
    } finally {
      c.close();
    }
  });

  it('outside a room updateToken fails with the phase code', async () => {
    const rt = create(server);
    clients.push(rt);
    const t = mintToken('r', 'u');
    expect(await codeOf(rt.updateToken(t))).toBe(ERROR_CODES.NOT_INITED);
    await rt.init(E2E_APP_ID);
    expect(await codeOf(rt.updateToken(t))).toBe(ERROR_CODES.NOT_IN_ROOM);
    await rt.destroy();
    expect(await codeOf(rt.updateToken(t))).toBe(ERROR_CODES.CLIENT_DESTROYED);
  });
});

describe('the SDK keeps the new token', () => {
  it('a fresh join after the session was lost presents the renewed token', async () => {
    // No grace period: a dropped socket ends the session, so the SDK must join afresh.
    const server = await startRealServer({ resumeGraceMs: 0 });
    try {
      const r = `renew-${++room}`;
      const alice = await joined(server, r, 'alice', nowSec() + 600);
      const renewed = nowSec() + 1200;
      await alice.rt.updateToken(mintToken(r, 'alice', { expireAt: renewed }));
      const before = wx.tasks.length;
      wx.tasks[before - 1]!.socket.terminate();
      await alice.w.next(EVENTS.CONNECTION_STATE_CHANGED, (s) => s.state === 'connected' && s.prevState === 'reconnecting');
      expect(wx.tasks.length).toBeGreaterThan(before);
      expect((alice.rt as unknown as { stats: { freshJoins: number } }).stats.freshJoins).toBe(1);
      // The server's record of the new join carries the renewed token's expiry.
      expect(await memberExpiry(server, r, 'alice')).toBe(renewed);
      expect(alice.w.of(EVENTS.DISCONNECT)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('media URLs that must change', () => {
  it('arrive as UPDATE_URL when the media plane cannot extend them in place', async () => {
    const media = new RecordingMediaPlane();
    media.newUrlOnExtend = true;
    const server = await startRealServer({ media });
    try {
      const r = `renew-${++room}`;
      const alice = await joined(server, r, 'alice');
      const bob = await joined(server, r, 'bob');
      await alice.rt.publish();
      await bob.w.next(EVENTS.STREAM_ADDED);
      await bob.rt.subscribe('alice', {});
      const expireAt = nowSec() + 900;
      await bob.rt.updateToken(mintToken(r, 'bob', { expireAt }));
      expect(await bob.w.next(EVENTS.UPDATE_URL)).toEqual({ uid: 'alice', screen: false, url: expect.stringContaining(`exp=${expireAt}`) });
      await alice.rt.updateToken(mintToken(r, 'alice', { expireAt }));
      expect(await alice.w.next(EVENTS.UPDATE_URL)).toEqual({ uid: 'alice', screen: false, url: expect.stringContaining(`exp=${expireAt}`) });
      expect(media.of('extendUrl').map((c) => [c.key.userId, c.subscriberId, c.expireAt])).toEqual([
        ['alice', 'bob', expireAt],
        ['alice', null, expireAt],
      ]);
    } finally {
      await server.close();
    }
  });
});
