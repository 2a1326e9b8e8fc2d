// The runtime's lifecycle, room calls and events against an in-test protocol server on a real
// loopback socket (the layer below); test/e2e runs the same against the real server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { defaultScript, joinOk, startFakeSignaling, type FakeServer, type Frame } from '../support/fake-signaling.js';
import { APP_ID, watch, wsTransport } from '../support/runtime-harness.js';
import { createTestWx } from '../support/wx.js';

let server: FakeServer | undefined;
const clients: ClientRuntime[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function setup(script = defaultScript, options: Record<string, unknown> = {}) {
  server = await startFakeSignaling(script);
  const rt = createRuntime({ server: server.url, transport: wsTransport, ...options });
  clients.push(rt);
  return { rt, server };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );

describe('lifecycle', () => {
  it('refuses every call before init with NOT_INITED, and init twice with HAS_INITED', async () => {
    const { rt } = await setup();
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.NOT_INITED);
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_INITED);
    expect(await codeOf(rt.setBusinessId('b'))).toBe(ERROR_CODES.NOT_INITED);
    expect(await codeOf(rt.setUserVisibility(false))).toBe(ERROR_CODES.NOT_INITED);
    expect(await codeOf(rt.leave())).toBe(ERROR_CODES.NOT_INITED);
    await rt.init(APP_ID);
    expect(await codeOf(rt.init(APP_ID))).toBe(ERROR_CODES.HAS_INITED);
  });

  it('checks the appId: 24 letters, digits, _ or -', async () => {
    for (const bad of ['', 'short', `${APP_ID}x`, 'a1b2c3d4e5f6a7b8c9d0e1f!']) {
      const rt = createRuntime({});
      expect(await codeOf(rt.init(bad))).toBe(ERROR_CODES.INVALID_PARAMS);
    }
  });

  it('reports unusable options at init, and never throws from createRuntime', async () => {
    for (const bad of [
      { reconnect: true },
      { reconnect: { maxAttempts: 0 } },
      { reconnect: { baseDelayMs: 100, maxDelayMs: 10 } },
      { reconnect: { tries: 3 } },
      { server: 'http://x' },
      { transport: 'carrier-pigeon' },
      { requestTimeoutMs: -1 },
      { colour: 'red' },
      { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 50 },
      { reportBatchSize: 101 },
    ]) {
      const rt = createRuntime(bad as never);
      expect(await codeOf(rt.init(APP_ID))).toBe(ERROR_CODES.INVALID_PARAMS);
    }
  });

  it('fails join without a server URL with NO_WEBSOCLET_URL', async () => {
    const rt = createRuntime({ transport: wsTransport });
    await rt.init(APP_ID);
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.NO_WEBSOCLET_URL);
  });

  it('fails join with CONNECTION_FAILED when nothing listens, and can join later', async () => {
    const { rt, server } = await setup();
    const url = server.url;
    await rt.init(APP_ID);
    await server.close();
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.CONNECTION_FAILED);
    // The client is back in the initialised state: a join to a live server works.
    const again = await startFakeSignaling();
    const rt2 = createRuntime({ server: again.url, transport: wsTransport });
    await rt2.init(APP_ID);
    expect(await rt2.join('t', 'r', 'u')).toBe('u');
    await rt2.destroy();
    await again.close();
    expect(url).toMatch(/^ws:/);
  });

  it('refuses join while joining (CONNECTING), while in the room (ALREADY_IN_ROOM) and while leaving (LEAVING)', async () => {
    let holdLeave: (() => void) | undefined;
    const { rt } = await setup((f, peer) => {
      if (f.type === 'leave') holdLeave = () => peer.reply(f, {});
      else defaultScript(f, peer);
    });
    await rt.init(APP_ID);
    const joining = rt.join('t', 'r', 'u');
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.CONNECTING);
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await joining).toBe('u');
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.ALREADY_IN_ROOM);
    const leaving = rt.leave();
    await server!.nextFrame('leave');
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.LEAVING);
    expect(await codeOf(rt.leave())).toBe(ERROR_CODES.LEAVING);
    holdLeave!();
    server!.setScript(defaultScript);
    await leaving;
    expect(await codeOf(rt.leave())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await rt.join('t', 'r', 'u')).toBe('u');
  });

  it('refuses room calls outside a room with NOT_IN_ROOM', async () => {
    const { rt } = await setup();
    await rt.init(APP_ID);
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.unpublish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.subscribe('x', {}))).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.unsubscribe('x', {}))).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.muteLocal({ audio: true, video: false }))).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.muteRemote('x', { audio: true, video: false }))).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await codeOf(rt.leave())).toBe(ERROR_CODES.NOT_IN_ROOM);
  });

  it('checks room and user ids and the token before connecting', async () => {
    const { rt, server } = await setup();
    await rt.init(APP_ID);
    expect(await codeOf(rt.join('', 'r', 'u'))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(await codeOf(rt.join('t', 'room with spaces', 'u'))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(await codeOf(rt.join('t', 'r', 'x'.repeat(129)))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(server.peers).toHaveLength(0);
  });

  it('destroy leaves the room, releases the socket, and every later call fails with CLIENT_DESTROYED', async () => {
    const { rt, server } = await setup();
    await rt.init(APP_ID);
    await rt.join('t', 'r', 'u');
    const peer = server.peers[0]!;
    const closed = new Promise((r) => peer.socket.once('close', r));
    await rt.destroy();
    await closed;
    expect(peer.frames.map((f) => f.type)).toContain('leave');
    for (const p of [
      rt.init(APP_ID),
      rt.join('t', 'r', 'u'),
      rt.leave(),
      rt.publish(),
      rt.destroy(),
      rt.setBusinessId('b'),
      rt.setUserVisibility(true),
      rt.subscribe('x', {}),
    ]) {
      expect(await codeOf(p)).toBe(ERROR_CODES.CLIENT_DESTROYED);
    }
    const errors: unknown[] = [];
    const log = vi.spyOn(console, 'error').mockImplementation((...a) => void errors.push(a));
    rt.reportPusherStateChange(1001, 'connected');
    rt.on(EVENTS.ERROR, () => undefined);
    expect(errors).toHaveLength(2);
    log.mockRestore();
  });

  it('leave during a join aborts it: the join fails with LEAVING, the socket closes, a new join works', async () => {
    const { rt, server } = await setup((f, peer) => (f.type === 'join' ? undefined : defaultScript(f, peer)));
    await rt.init(APP_ID);
    const joining = rt.join('t', 'r', 'u');
    const { peer } = await server.nextFrame('join');
    const closed = new Promise((r) => peer.socket.once('close', r));
    await rt.leave();
    expect(await codeOf(joining)).toBe(ERROR_CODES.LEAVING);
    await closed;
    server.setScript(defaultScript);
    expect(await rt.join('t', 'r', 'u')).toBe('u');
  });

  it('destroy during a join aborts it: the join fails with CLIENT_DESTROYED', async () => {
    const { rt, server } = await setup((f, peer) => (f.type === 'join' ? undefined : defaultScript(f, peer)));
    await rt.init(APP_ID);
    const joining = rt.join('t', 'r', 'u');
    await server.nextFrame('join');
    await rt.destroy();
    expect(await codeOf(joining)).toBe(ERROR_CODES.CLIENT_DESTROYED);
  });
});

describe('transport choice', () => {
  const g = globalThis as { wx?: unknown; WebSocket?: unknown };

  it('without wx and without a global WebSocket, join fails with CONNECTION_FAILED and says why', async () => {
    server = await startFakeSignaling();
    const rt = createRuntime({ server: server.url });
    clients.push(rt);
    await rt.init(APP_ID);
    await expect(rt.join('t', 'r', 'u')).rejects.toMatchObject({
      code: ERROR_CODES.CONNECTION_FAILED,
      reason: expect.stringMatching(/ClientOptions.transport/),
    });
    const wxOnly = createRuntime({ server: server.url, transport: 'wx' });
    clients.push(wxOnly);
    await wxOnly.init(APP_ID);
    expect(await codeOf(wxOnly.join('t', 'r', 'u'))).toBe(ERROR_CODES.CONNECTION_FAILED);
    expect(server.peers).toHaveLength(0);
  });

  it("'websocket' uses the global WebSocket even when wx exists", async () => {
    server = await startFakeSignaling();
    const { default: WS } = await import('ws');
    const wx = createTestWx();
    g.WebSocket = WS;
    g.wx = wx;
    try {
      const rt = createRuntime({ server: server.url, transport: 'websocket' });
      clients.push(rt);
      await rt.init(APP_ID);
      expect(await rt.join('t', 'r', 'u')).toBe('u');
      expect(wx.tasks).toHaveLength(0);
      const auto = createRuntime({ server: server.url });
      clients.push(auto);
      await auto.init(APP_ID);
      expect(await auto.join('t', 'r', 'v')).toBe('v');
      expect(wx.tasks).toHaveLength(1);
    } finally {
      delete g.WebSocket;
      delete g.wx;
    }
  });

  it('a custom transport factory is used as is; one that throws fails the join, not the app', async () => {
    server = await startFakeSignaling();
    const urls: string[] = [];
    const rt = createRuntime({ server: server.url, transport: (url, h) => (urls.push(url), wsTransport(url, h)) });
    clients.push(rt);
    await rt.init(APP_ID);
    expect(await rt.join('t', 'r', 'u')).toBe('u');
    expect(urls).toEqual([server.url]);
    const broken = createRuntime({
      server: server.url,
      transport: () => {
        throw new Error('no sockets here');
      },
    });
    clients.push(broken);
    await broken.init(APP_ID);
    await expect(broken.join('t', 'r', 'u')).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_FAILED, reason: expect.stringMatching(/no sockets here/) });
  });
});

describe('join', () => {
  it('sends appId, token, ids, businessId and visibility; emits PEER_ONLINE and STREAM_ADDED from the answer', async () => {
    const { rt, server } = await setup((f, peer) => {
      if (f.type === 'join') {
        return peer.reply(f, {
          ...joinOk,
          peers: ['alice', 'bob', 'me'],
          streams: [
            { uid: 'alice', screen: false, audio: true, video: false },
            { uid: 'alice', screen: true, audio: false, video: true },
          ],
        });
      }
      defaultScript(f, peer);
    });
    await rt.init(APP_ID);
    expect(await rt.setBusinessId('shop-42')).toBe(true);
    await rt.setUserVisibility(true);
    const w = watch(rt, [EVENTS.PEER_ONLINE, EVENTS.STREAM_ADDED, EVENTS.CONNECTION_STATE_CHANGED]);
    expect(await rt.join('tok', 'room-1', 'me')).toBe('me');
    const join = server.peers[0]!.frames.find((f) => f.type === 'join')!;
    expect(join).toMatchObject({ v: 1, appId: APP_ID, token: 'tok', roomId: 'room-1', userId: 'me', businessId: 'shop-42', visible: true });
    expect(w.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'alice' }, { uid: 'bob' }]);
    expect(w.of(EVENTS.STREAM_ADDED)).toEqual([
      { uid: 'alice', screen: false, streamPublishState: { audio: true, video: false } },
      { uid: 'alice', screen: true, streamPublishState: { audio: false, video: true } },
    ]);
    expect(w.of(EVENTS.CONNECTION_STATE_CHANGED)).toEqual([
      { state: 'connecting', prevState: 'disconnected' },
      { state: 'connected', prevState: 'connecting' },
    ]);
    expect(await rt.setBusinessId('later')).toBe(false);
  });

  it('sends visible: false when set before join', async () => {
    const { rt, server } = await setup();
    await rt.init(APP_ID);
    await rt.setUserVisibility(false);
    await rt.join('t', 'r', 'u');
    expect(server.peers[0]!.frames.find((f) => f.type === 'join')).toMatchObject({ visible: false });
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.INVISIBLE_CANNOT_PUBLISH);
  });

  it('passes a server refusal through and returns to initialised with the socket closed', async () => {
    const { rt, server } = await setup((f, peer) => (f.type === 'join' ? peer.refuse(f, ERROR_CODES.TOKEN_INVALID, 'bad signature') : defaultScript(f, peer)));
    await rt.init(APP_ID);
    const w = watch(rt, [EVENTS.CONNECTION_STATE_CHANGED]);
    await expect(rt.join('t', 'r', 'u')).rejects.toMatchObject({ code: ERROR_CODES.TOKEN_INVALID, reason: 'bad signature' });
    expect(w.of(EVENTS.CONNECTION_STATE_CHANGED).map((s) => s.state)).toEqual(['connecting', 'connected', 'disconnected']);
    server.setScript(defaultScript);
    expect(await rt.join('t', 'r', 'u')).toBe('u');
  });

  it('fails a join with a malformed answer with PROTOCOL_ERROR', async () => {
    const { rt } = await setup((f, peer) => (f.type === 'join' ? peer.reply(f, { peers: 'nope' }) : defaultScript(f, peer)));
    await rt.init(APP_ID);
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.PROTOCOL_ERROR);
  });

  it('times out a join the server never answers with REQUEST_TIMEOUT', async () => {
    const { rt } = await setup((f, peer) => (f.type === 'join' ? undefined : defaultScript(f, peer)), { requestTimeoutMs: 100 });
    await rt.init(APP_ID);
    expect(await codeOf(rt.join('t', 'r', 'u'))).toBe(ERROR_CODES.REQUEST_TIMEOUT);
  });
});

describe('room calls', () => {
  async function inRoom(script = defaultScript) {
    const s = await setup(script);
    await s.rt.init(APP_ID);
    await s.rt.join('t', 'r', 'me');
    return s;
  }
  const last = (server: FakeServer, type: string): Frame | undefined => server.peers[0]!.frames.filter((f) => f.type === type).pop();

  it('publish returns the push URL; twice is ALREADY_PUBLISHED; unpublish and muteLocal need a publish', async () => {
    const { rt, server } = await inRoom();
    expect(await codeOf(rt.unpublish())).toBe(ERROR_CODES.NOT_PUBLISHED);
    expect(await codeOf(rt.muteLocal({ audio: true, video: false }))).toBe(ERROR_CODES.NOT_PUBLISHED);
    expect(await rt.publish()).toBe('rtmp://127.0.0.1/live/me');
    expect(last(server, 'publish')).toMatchObject({ screen: false });
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.ALREADY_PUBLISHED);
    await rt.muteLocal({ audio: true, video: false });
    expect(last(server, 'muteLocal')).toMatchObject({ audio: true, video: false });
    await rt.unpublish();
    expect(await codeOf(rt.unpublish())).toBe(ERROR_CODES.NOT_PUBLISHED);
    expect(server.peers[0]!.frames.filter((f) => f.type === 'publish')).toHaveLength(1);
  });

  it('subscribe sends what to receive; unsubscribe and muteRemote need a subscription', async () => {
    const { rt, server } = await inRoom();
    expect(await codeOf(rt.unsubscribe('bob', {}))).toBe(ERROR_CODES.NOT_SUBSCRIBED);
    expect(await codeOf(rt.muteRemote('bob', { audio: true, video: false }))).toBe(ERROR_CODES.NOT_SUBSCRIBED);
    expect(await codeOf(rt.subscribe('me', {}))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(await rt.subscribe('bob', { audio: true, video: false, screen: true })).toBe('rtmp://127.0.0.1/live/bob');
    expect(last(server, 'subscribe')).toMatchObject({ userId: 'bob', screen: true, audio: true, video: false });
    expect(await codeOf(rt.muteRemote('bob', { audio: true, video: false }))).toBe(ERROR_CODES.NOT_SUBSCRIBED);
    await rt.muteRemote('bob', { audio: true, video: true, screen: true });
    expect(last(server, 'muteRemote')).toMatchObject({ userId: 'bob', screen: true, audio: true, video: true });
    await rt.unsubscribe('bob', { screen: true });
    expect(last(server, 'unsubscribe')).toMatchObject({ userId: 'bob', screen: true });
    expect(await codeOf(rt.unsubscribe('bob', { screen: true }))).toBe(ERROR_CODES.NOT_SUBSCRIBED);
  });

  it('a subscription ends when its user leaves', async () => {
    const { rt, server } = await inRoom();
    await rt.subscribe('bob', {});
    const w = watch(rt, [EVENTS.PEER_LEAVE]);
    server.peers[0]!.event('peer-leave', { uid: 'bob', reason: 'leave' });
    await w.next(EVENTS.PEER_LEAVE);
    expect(await codeOf(rt.unsubscribe('bob', {}))).toBe(ERROR_CODES.NOT_SUBSCRIBED);
  });

  it('passes server refusals of room calls through', async () => {
    const { rt } = await inRoom((f, peer) => (f.type === 'publish' ? peer.refuse(f, ERROR_CODES.NO_PUBLISH_PRIVILEGE, 'no') : defaultScript(f, peer)));
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NO_PUBLISH_PRIVILEGE);
    expect(await codeOf(rt.muteLocal({ audio: false, video: false }))).toBe(ERROR_CODES.NOT_PUBLISHED);
  });

  it('setUserVisibility in the room is a request; turning invisible ends the local publish', async () => {
    const { rt, server } = await inRoom();
    await rt.publish();
    await rt.setUserVisibility(false);
    expect(await codeOf(rt.unpublish())).toBe(ERROR_CODES.NOT_PUBLISHED);
    expect(last(server, 'setVisibility')).toMatchObject({ visible: false });
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.INVISIBLE_CANNOT_PUBLISH);
  });

  it('a push failure lets the app publish again', async () => {
    const { rt, server } = await inRoom();
    await rt.publish();
    const w = watch(rt, [EVENTS.STREAM_FAILED]);
    server.peers[0]!.event('stream-failed', { uid: 'me', screen: false, reason: 'no push arrived' });
    await w.next(EVENTS.STREAM_FAILED);
    expect(await rt.publish()).toBe('rtmp://127.0.0.1/live/me');
    expect(server.peers[0]!.frames.filter((f) => f.type === 'publish' || f.type === 'unpublish').map((f) => f.type)).toEqual(['publish', 'publish']);
  });
});

describe('events', () => {
  async function inRoom(options: Record<string, unknown> = {}) {
    const s = await setup(defaultScript, options);
    await s.rt.init(APP_ID);
    await s.rt.join('t', 'r', 'me');
    return { ...s, peer: s.server.peers[0]! };
  }

  it('emits server events with their payloads; stream-added in wire form is reshaped', async () => {
    const { rt, peer } = await inRoom();
    const names = [
      'peer-online',
      'peer-leave',
      'stream-added',
      'stream-removed',
      'update-url',
      'stream-failed',
      'mute-audio',
      'unmute-audio',
      'mute-video',
      'unmute-video',
      'token-will-expire',
    ];
    const w = watch(rt, names);
    peer.event('peer-online', { uid: 'a' });
    peer.event('stream-added', { uid: 'a', screen: false, audio: true, video: true });
    peer.event('stream-added', { uid: 'a', screen: true, streamPublishState: { audio: false, video: true } });
    peer.event('mute-audio', { uid: 'a', screen: false });
    peer.event('unmute-audio', { uid: 'a', screen: false });
    peer.event('mute-video', { uid: 'a', screen: false });
    peer.event('unmute-video', { uid: 'a', screen: false });
    peer.event('update-url', { uid: 'me', screen: false, url: 'rtmp://x' });
    peer.event('stream-failed', { uid: 'a', screen: false, reason: 'pull failed' });
    peer.event('stream-removed', { uid: 'a', screen: false });
    peer.event('token-will-expire', { expireAt: 123 });
    peer.event('peer-leave', { uid: 'a', reason: 'leave' });
    await w.next('peer-leave');
    expect(w.seen).toEqual([
      { event: 'peer-online', payload: { uid: 'a' } },
      { event: 'stream-added', payload: { uid: 'a', screen: false, streamPublishState: { audio: true, video: true } } },
      { event: 'stream-added', payload: { uid: 'a', screen: true, streamPublishState: { audio: false, video: true } } },
      { event: 'mute-audio', payload: { uid: 'a', screen: false } },
      { event: 'unmute-audio', payload: { uid: 'a', screen: false } },
      { event: 'mute-video', payload: { uid: 'a', screen: false } },
      { event: 'unmute-video', payload: { uid: 'a', screen: false } },
      { event: 'update-url', payload: { uid: 'me', screen: false, url: 'rtmp://x' } },
      { event: 'stream-failed', payload: { uid: 'a', screen: false, reason: 'pull failed' } },
      { event: 'stream-removed', payload: { uid: 'a', screen: false } },
      { event: 'token-will-expire', payload: { expireAt: 123 } },
      { event: 'peer-leave', payload: { uid: 'a', reason: 'leave' } },
    ]);
  });

  it('a malformed event payload is reported on ERROR, not delivered', async () => {
    const { rt, peer } = await inRoom();
    const w = watch(rt, [EVENTS.ERROR, EVENTS.PEER_ONLINE]);
    peer.event('peer-online', { who: 'a' });
    peer.event('peer-online', { uid: 'b' });
    await w.next(EVENTS.PEER_ONLINE);
    expect(w.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'b' }]);
    expect(w.of(EVENTS.ERROR).map((e) => e.code)).toEqual([ERROR_CODES.PROTOCOL_ERROR]);
  });

  it("events a server may not send (unknown, or the client's own) are ignored", async () => {
    const { rt, peer } = await inRoom();
    const w = watch(rt, ['future-event', EVENTS.ERROR, EVENTS.CONNECTION_STATE_CHANGED, EVENTS.PEER_ONLINE]);
    peer.event('future-event', { uid: 'a' });
    peer.event('error', { code: 1, reason: 'forged' });
    peer.event('connection-state-changed', { state: 'connected', prevState: 'connected' });
    peer.event('peer-online', { uid: 'a' });
    await w.next(EVENTS.PEER_ONLINE);
    expect(w.seen).toEqual([{ event: EVENTS.PEER_ONLINE, payload: { uid: 'a' } }]);
  });

  it('an unsolicited error frame is emitted as ERROR', async () => {
    const { rt, peer } = await inRoom();
    const w = watch(rt, [EVENTS.ERROR]);
    peer.send({ v: 1, type: 'error', error: { code: ERROR_CODES.RATE_LIMITED, reason: 'slow down' } });
    expect(await w.next(EVENTS.ERROR)).toMatchObject({ code: ERROR_CODES.RATE_LIMITED, reason: 'slow down' });
  });

  it('a disconnect event from the server puts the client back to initialised with DISCONNECT', async () => {
    const { rt, server, peer } = await inRoom();
    const w = watch(rt, [EVENTS.DISCONNECT, EVENTS.CONNECTION_STATE_CHANGED]);
    const closed = new Promise((r) => peer.socket.once('close', r));
    peer.event('disconnect', { code: ERROR_CODES.KICKED, reason: 'joined elsewhere' });
    expect(await w.next(EVENTS.DISCONNECT)).toEqual({ code: ERROR_CODES.KICKED, reason: 'joined elsewhere' });
    await closed;
    expect(w.of(EVENTS.DISCONNECT)).toHaveLength(1);
    expect(w.of(EVENTS.CONNECTION_STATE_CHANGED).pop()).toEqual({ state: 'disconnected', prevState: 'connected' });
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
    expect(await rt.join('t', 'r', 'me')).toBe('me');
    expect(server.peers).toHaveLength(2);
  });

  it('with reconnect: false a dropped connection in the room gives DISCONNECT with CONNECTION_LOST, and pending calls fail', async () => {
    const { rt, server, peer } = await inRoom({ reconnect: false });
    server.setScript((f, p) => (f.type === 'publish' ? undefined : defaultScript(f, p)));
    const w = watch(rt, [EVENTS.DISCONNECT]);
    const publishing = rt.publish();
    await server.nextFrame('publish');
    peer.socket.terminate();
    expect(await codeOf(publishing)).toBe(ERROR_CODES.CONNECTION_LOST);
    expect((await w.next(EVENTS.DISCONNECT)).code).toBe(ERROR_CODES.CONNECTION_LOST);
    expect(await codeOf(rt.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
  });

  it('a silent server is detected by the heartbeat', async () => {
    const { rt, server } = await setup(defaultScript, { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 100, reconnect: false });
    await rt.init(APP_ID);
    await rt.join('t', 'r', 'me');
    server.setScript(() => undefined); // stops answering pings
    const w = watch(rt, [EVENTS.DISCONNECT]);
    const d = await w.next(EVENTS.DISCONNECT);
    expect(d.code).toBe(ERROR_CODES.CONNECTION_LOST);
    expect(d.reason).toMatch(/heartbeat/);
  });

  it('off removes exactly that handler; a handler registered twice is called once', async () => {
    const { rt, peer } = await inRoom();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    rt.on('peer-online', a);
    rt.on('peer-online', a);
    rt.on('peer-online', b);
    const w = watch(rt, ['peer-online']);
    peer.event('peer-online', { uid: 'x' });
    await w.next('peer-online');
    expect(calls).toEqual(['a', 'b']);
    rt.off('peer-online', a);
    peer.event('peer-online', { uid: 'y' });
    await w.next('peer-online');
    expect(calls).toEqual(['a', 'b', 'b']);
  });

  it('a listener that throws does not stop the others', async () => {
    const { rt, peer } = await inRoom();
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    rt.on('peer-online', () => {
      throw new Error('app bug');
    });
    const w = watch(rt, ['peer-online']);
    peer.event('peer-online', { uid: 'x' });
    expect(await w.next('peer-online')).toEqual({ uid: 'x' });
    expect(log).toHaveBeenCalled();
    // And the runtime keeps working.
    expect(await rt.publish()).toMatch(/^rtmp:/);
  });

  it('emitError_ goes to ERROR listeners, or to console.error when there are none', async () => {
    const rt = createRuntime({});
    clients.push(rt);
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    rt.emitError_({ code: 1, reason: 'nobody listens' });
    expect(log).toHaveBeenCalledTimes(1);
    const got: unknown[] = [];
    rt.on(EVENTS.ERROR, (e) => got.push(e));
    rt.emitError_({ code: 2, reason: 'heard' });
    expect(got).toEqual([{ code: 2, reason: 'heard' }]);
    expect(log).toHaveBeenCalledTimes(1);
  });
});

describe('reports', () => {
  it('batches by size, keeps unknown codes, buffers before join and flushes on leave', async () => {
    const { rt, server } = await setup(defaultScript, { reportBatchSize: 3, reportFlushMs: 3_600_000 });
    await rt.init(APP_ID);
    rt.reportPusherStateChange(1001, 'connected'); // before join: kept
    await rt.join('t', 'r', 'me');
    rt.reportPusherNetStatusChange({ videoBitrate: 800, futureField: 1 });
    rt.reportPlayerStateChange('bob', 987654, 'a code WeChat added later');
    const first = await server.nextFrame('report');
    expect(first.frame.items).toMatchObject([
      { kind: 'pusherState', code: 1001, message: 'connected' },
      { kind: 'pusherNet', info: { videoBitrate: 800, futureField: 1 } },
      { kind: 'playerState', uid: 'bob', code: 987654, message: 'a code WeChat added later' },
    ]);
    rt.reportPlayerNetStatusChange('bob', { videoFPS: 15 });
    const second = server.nextFrame('report');
    await rt.leave();
    expect((await second).frame.items).toMatchObject([{ kind: 'playerNet', uid: 'bob', info: { videoFPS: 15 } }]);
    const types = server.peers[0]!.frames.map((f) => f.type).filter((t) => t !== 'ping');
    expect(types.indexOf('report', types.indexOf('report') + 1)).toBeLessThan(types.indexOf('leave'));
  });

  it('destroy in a room flushes what is buffered before it leaves', async () => {
    const { rt, server } = await setup(defaultScript, { reportBatchSize: 100, reportFlushMs: 3_600_000 });
    await rt.init(APP_ID);
    await rt.join('t', 'r', 'me');
    rt.reportPlayerStateChange('bob', 2006, 'ended');
    await rt.destroy();
    const types = server.peers[0]!.frames.map((f) => f.type).filter((t) => t !== 'ping');
    expect(types).toEqual(['join', 'report', 'leave']);
    expect(server.peers[0]!.frames.find((f) => f.type === 'report')!.items).toMatchObject([{ kind: 'playerState', uid: 'bob', code: 2006 }]);
  });

  it('flushes on the timer', async () => {
    const { rt, server } = await setup(defaultScript, { reportBatchSize: 100, reportFlushMs: 20 });
    await rt.init(APP_ID);
    await rt.join('t', 'r', 'me');
    rt.reportPusherStateChange(1002, 'pushing');
    rt.reportPusherStateChange(-1307, 'retries exhausted');
    const { frame } = await server.nextFrame('report');
    expect(frame.items).toMatchObject([{ code: 1002 }, { code: -1307 }]);
  });

  it('reports before init go to ERROR as NOT_INITED', async () => {
    const rt = createRuntime({});
    const got: { code: number }[] = [];
    rt.on(EVENTS.ERROR, (e) => got.push(e));
    rt.reportPusherStateChange(1, 'x');
    expect(got.map((e) => e.code)).toEqual([ERROR_CODES.NOT_INITED]);
  });
});
