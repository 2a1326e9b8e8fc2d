// End to end: several runtimes against the REAL signaling server (server/) on 127.0.0.1, over
// both transports: the standard WebSocket (the `ws` class injected, as Node 20 has no global
// one) and WeChat's wx.connectSocket (a `wx` global backed by real sockets, picked automatically).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch } from '../support/runtime-harness.js';
import { TRANSPORT_MODES } from '../support/transport-modes.js';

const ALL_EVENTS = Object.values(EVENTS);
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );

describe.each(TRANSPORT_MODES)('runtime over $name against the real server', (mode) => {
  let server: RunningServer;
  let room = 0;
  const clients: ClientRuntime[] = [];

  beforeAll(async () => {
    mode.install();
    server = await startRealServer();
  });
  afterAll(async () => {
    await server.close();
    mode.uninstall();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  });

  const nextRoom = () => `room-${++room}`;

  async function client(options: Record<string, unknown> = {}) {
    const rt = createRuntime({ server: server.url, ...mode.options(), ...options });
    clients.push(rt);
    const w = watch(rt, ALL_EVENTS);
    await rt.init(E2E_APP_ID);
    return { rt, w };
  }

  async function joined(roomId: string, userId: string, tokenOver = {}) {
    const c = await client();
    expect(await c.rt.join(mintToken(roomId, userId, tokenOver), roomId, userId)).toBe(userId);
    return c;
  }

  it('uses the transport it should', async () => {
    const r = nextRoom();
    await joined(r, 'alice');
    const wx = mode.wx();
    if (wx) expect(wx.tasks.some((t) => t.url === server.url)).toBe(true);
    else expect((globalThis as { wx?: unknown }).wx).toBeUndefined();
  });

  it('join tells each side of the other: PEER_ONLINE from the join answer and as an event', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    const b = await joined(r, 'bob');
    expect(b.w.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'alice' }]);
    expect(await a.w.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'bob' });
    expect(a.w.of(EVENTS.CONNECTION_STATE_CHANGED).map((s) => s.state)).toEqual(['connecting', 'connected']);
  });

  it('publish, subscribe, mute and unpublish: every remote event arrives with its payload', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    const b = await joined(r, 'bob');

    const pushUrl = await a.rt.publish();
    expect(pushUrl).toMatch(/^rtmp:\/\//);
    expect(await b.w.next(EVENTS.STREAM_ADDED)).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    const playUrl = await b.rt.subscribe('alice', { audio: true, video: true, screen: false });
    expect(playUrl).toMatch(/^rtmp:\/\//);

    await a.rt.muteLocal({ audio: true, video: false });
    expect(await b.w.next(EVENTS.MUTE_AUDIO)).toEqual({ uid: 'alice', screen: false });
    await a.rt.muteLocal({ audio: false, video: false });
    expect(await b.w.next(EVENTS.UNMUTE_AUDIO)).toEqual({ uid: 'alice', screen: false });
    await a.rt.muteLocal({ audio: false, video: true });
    expect(await b.w.next(EVENTS.MUTE_VIDEO)).toEqual({ uid: 'alice', screen: false });
    await a.rt.muteLocal({ audio: false, video: false });
    expect(await b.w.next(EVENTS.UNMUTE_VIDEO)).toEqual({ uid: 'alice', screen: false });
    // Both off reads as the stream going away, and back as it coming again.
    await a.rt.muteLocal({ audio: true, video: true });
    expect(await b.w.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'alice', screen: false });
    await a.rt.muteLocal({ audio: false, video: true });
    expect(await b.w.next(EVENTS.STREAM_ADDED)).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: false } });
    // STREAM_REMOVED ended the subscription on both sides: subscribe again after STREAM_ADDED.
    expect((await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r }))?.subscriptions).toEqual([]);
    expect(await b.rt.muteRemote('alice', { audio: true, video: true, screen: false }).catch((e: { code: number }) => e.code)).toBe(ERROR_CODES.NOT_SUBSCRIBED);
    await b.rt.subscribe('alice', { audio: true, video: true, screen: false });

    await b.rt.muteRemote('alice', { audio: true, video: true, screen: false });
    let view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.subscriptions).toMatchObject([{ subscriberId: 'bob', userId: 'alice', pausedAudio: true, pausedVideo: true }]);
    await b.rt.unsubscribe('alice', { screen: false });
    view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.subscriptions).toEqual([]);

    await a.rt.unpublish();
    expect(await b.w.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'alice', screen: false });
    // A user who joins later hears of streams through the join answer.
    await a.rt.publish();
    const c = await joined(r, 'carol');
    expect(c.w.of(EVENTS.STREAM_ADDED)).toEqual([{ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } }]);
    expect(
      c.w
        .of(EVENTS.PEER_ONLINE)
        .map((p) => p.uid)
        .sort(),
    ).toEqual(['alice', 'bob']);
  });

  it('the server refuses what only it can know, with its codes', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    expect(await codeOf(a.rt.subscribe('nobody', {}))).toBe(ERROR_CODES.STREAM_NOT_PUBLISHED);
    const listener = await joined(r, 'lurker', { publish: null });
    expect(await codeOf(listener.rt.publish())).toBe(ERROR_CODES.NO_PUBLISH_PRIVILEGE);
    await a.rt.publish();
    const deaf = await joined(r, 'deaf', { subscribe: null });
    expect(await codeOf(deaf.rt.subscribe('alice', {}))).toBe(ERROR_CODES.NO_SUBSCRIBE_PRIVILEGE);
  });

  it('bad tokens and unknown apps fail the join and leave the client ready to join again', async () => {
    const r = nextRoom();
    const { rt } = await client();
    expect(await codeOf(rt.join(mintToken(r, 'u', { appKey: 'wrong-key' }), r, 'u'))).toBe(ERROR_CODES.TOKEN_INVALID);
    expect(await codeOf(rt.join(mintToken(r, 'u', { expireAt: Math.floor(Date.now() / 1000) - 60 }), r, 'u'))).toBe(ERROR_CODES.TOKEN_EXPIRED);
    expect(await codeOf(rt.join(mintToken('other-room', 'u'), r, 'u'))).toBe(ERROR_CODES.TOKEN_MISMATCH);
    expect(await codeOf(rt.join('garbage', r, 'u'))).toBe(ERROR_CODES.TOKEN_INVALID);
    const stranger = createRuntime({ server: server.url, ...mode.options() });
    clients.push(stranger);
    await stranger.init('unknown0app0id0000000000');
    expect(await codeOf(stranger.join(mintToken(r, 'u', { appId: 'unknown0app0id0000000000' }), r, 'u'))).toBe(ERROR_CODES.APP_UNKNOWN);
    expect(await rt.join(mintToken(r, 'u'), r, 'u')).toBe('u');
  });

  it('setBusinessId travels with the join; after it, it has no effect', async () => {
    const r = nextRoom();
    const { rt } = await client();
    expect(await rt.setBusinessId('checkout')).toBe(true);
    await rt.join(mintToken(r, 'alice'), r, 'alice');
    expect(await rt.setBusinessId('other')).toBe(false);
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.members).toMatchObject([{ userId: 'alice', businessId: 'checkout' }]);
  });

  it('visibility: invisible joiners are not announced; switching is announced both ways', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    const ghost = await client();
    await ghost.rt.setUserVisibility(false);
    await ghost.rt.join(mintToken(r, 'ghost'), r, 'ghost');
    expect(ghost.w.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'alice' }]);
    expect(await codeOf(ghost.rt.publish())).toBe(ERROR_CODES.INVISIBLE_CANNOT_PUBLISH);
    await ghost.rt.setUserVisibility(true);
    expect(await a.w.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'ghost' });
    await ghost.rt.publish();
    expect(await a.w.next(EVENTS.STREAM_ADDED)).toMatchObject({ uid: 'ghost' });
    await ghost.rt.setUserVisibility(false);
    expect(await a.w.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'ghost', screen: false });
    expect(await a.w.next(EVENTS.PEER_LEAVE)).toEqual({ uid: 'ghost', reason: 'invisible' });
    expect(a.w.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'ghost' }]);
  });

  it('leave and destroy are announced as PEER_LEAVE; the client can join again after leave', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    const b = await joined(r, 'bob');
    expect(await a.w.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'bob' });
    await b.rt.leave();
    expect(await a.w.next(EVENTS.PEER_LEAVE)).toEqual({ uid: 'bob', reason: 'leave' });
    expect(b.w.of(EVENTS.CONNECTION_STATE_CHANGED).pop()).toEqual({ state: 'disconnected', prevState: 'connected' });
    await b.rt.join(mintToken(r, 'bob'), r, 'bob');
    expect(await a.w.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'bob' });
    expect(a.w.of(EVENTS.PEER_ONLINE)).toHaveLength(2);
    await b.rt.destroy();
    expect(await a.w.next(EVENTS.PEER_LEAVE, (p) => p.uid === 'bob')).toEqual({ uid: 'bob', reason: 'leave' });
    expect(await codeOf(b.rt.join(mintToken(r, 'bob'), r, 'bob'))).toBe(ERROR_CODES.CLIENT_DESTROYED);
  });

  it('leave during a join aborts it: nobody is left in the room, and the client can join again', async () => {
    const r = nextRoom();
    const a = await joined(r, 'alice');
    const { rt } = await client();
    const joining = rt.join(mintToken(r, 'bob'), r, 'bob');
    await rt.leave();
    expect(await codeOf(joining)).toBe(ERROR_CODES.LEAVING);
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.members.map((m) => m.userId)).toEqual(['alice']);
    expect(await rt.join(mintToken(r, 'bob'), r, 'bob')).toBe('bob');
    expect(await a.w.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'bob' });
  });

  it('the same user joining elsewhere takes over: the first gets DISCONNECT KICKED and is out of the room', async () => {
    const r = nextRoom();
    const first = await joined(r, 'alice');
    await joined(r, 'alice');
    expect(await first.w.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.KICKED });
    expect(await codeOf(first.rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(first.w.of(EVENTS.DISCONNECT)).toHaveLength(1);
  });

  it('a token about to expire gives TOKEN_WILL_EXPIRE, then DISCONNECT TOKEN_EXPIRED', async () => {
    const r = nextRoom();
    const expireAt = Math.floor(Date.now() / 1000) + 2;
    const a = await joined(r, 'alice', { expireAt });
    expect(await a.w.next(EVENTS.TOKEN_WILL_EXPIRE)).toEqual({ expireAt });
    expect(await a.w.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.TOKEN_EXPIRED });
    expect(await codeOf(a.rt.leave())).toBe(ERROR_CODES.NOT_IN_ROOM);
  });

  it('room limits come back as the server codes', async () => {
    const small = await startRealServer({ limits: { maxVisible: 1, maxPublishers: 1 } });
    try {
      const r = nextRoom();
      const make = async (uid: string, visible = true) => {
        const rt = createRuntime({ server: small.url, ...mode.options() });
        clients.push(rt);
        await rt.init(E2E_APP_ID);
        if (!visible) await rt.setUserVisibility(false);
        return { rt, join: () => rt.join(mintToken(r, uid), r, uid) };
      };
      const a = await make('alice');
      await a.join();
      await a.rt.publish();
      const b = await make('bob');
      expect(await codeOf(b.join())).toBe(ERROR_CODES.ROOM_FULL);
      const c = await make('carol', false);
      await c.join();
      expect(await codeOf(c.rt.setUserVisibility(true))).toBe(ERROR_CODES.ROOM_FULL);
    } finally {
      for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
      await small.close();
    }
  });

  it('reports reach the server in batches, flushed at the latest on leave', async () => {
    const r = nextRoom();
    const { rt } = await client({ reportBatchSize: 2, reportFlushMs: 3_600_000 });
    await rt.join(mintToken(r, 'alice'), r, 'alice');
    rt.reportPusherStateChange(1002, 'pushing');
    rt.reportPusherNetStatusChange({ videoBitrate: 900, videoFPS: 15 });
    rt.reportPlayerStateChange('bob', 2004, 'playing');
    await rt.leave();
    const items = server.reports.query({ appId: E2E_APP_ID, roomId: r, userId: 'alice' }).map((s) => s.item);
    expect(items).toMatchObject([
      { kind: 'pusherState', code: 1002, message: 'pushing' },
      { kind: 'pusherNet', info: { videoBitrate: 900, videoFPS: 15 } },
      { kind: 'playerState', uid: 'bob', code: 2004, message: 'playing' },
    ]);
  });

  it('the server going away: reconnect attempts fail, then DISCONNECT CONNECTION_LOST', async () => {
    const own = await startRealServer();
    const r = nextRoom();
    const rt = createRuntime({ server: own.url, ...mode.options(), reconnect: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    clients.push(rt);
    const w = watch(rt, ALL_EVENTS);
    await rt.init(E2E_APP_ID);
    await rt.join(mintToken(r, 'alice'), r, 'alice');
    await own.close();
    expect(await w.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting')).toEqual({ state: 'reconnecting', prevState: 'connected' });
    expect(await w.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.join(mintToken(r, 'alice'), r, 'alice'))).toBe(ERROR_CODES.CONNECTION_FAILED);
  });
});
