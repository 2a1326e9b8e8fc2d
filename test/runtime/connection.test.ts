// The signaling connection against an in-test protocol server on a real loopback socket.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Connection, type ConnectionListener } from '../../src/runtime/signaling/connection.js';
import { webSocketTransport, type WebSocketConstructor } from '../../src/runtime/transport/websocket.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { defaultScript, startFakeSignaling, type FakeServer } from '../support/fake-signaling.js';

const factory = webSocketTransport(WebSocket as unknown as WebSocketConstructor);
const timings = { requestTimeoutMs: 10_000, heartbeatIntervalMs: 5_000, heartbeatTimeoutMs: 15_000 };
let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function listener() {
  const events: { name: string; data: unknown }[] = [];
  const errors: { code: number; reason: string }[] = [];
  let lostResolve!: (e: { code: number; reason: string }) => void;
  const lost = new Promise<{ code: number; reason: string }>((r) => (lostResolve = r));
  const l: ConnectionListener = {
    inbox_: { receive_: (_c, name, data) => events.push({ name, data }) },
    emitError_: (e) => errors.push({ code: e.code, reason: e.reason }),
    connLost_: (_c, e) => lostResolve({ code: e.code, reason: e.reason }),
  };
  return { l, events, errors, lost };
}

const join = { type: 'join', appId: 'a', token: 't', roomId: 'r', userId: 'u', visible: true } as const;

describe('Connection', () => {
  it('matches answers to requests by id, whatever their order', async () => {
    const held: { id: number; n: unknown }[] = [];
    server = await startFakeSignaling((f, peer) => {
      if (f.type !== 'subscribe') return defaultScript(f, peer);
      held.push({ id: f.id!, n: f.userId });
      if (held.length === 2) for (const h of [...held].reverse()) peer.send({ v: 1, type: 'response', id: h.id, ok: true, data: { url: `u-${String(h.n)}` } });
    });
    const c = new Connection(server.url, factory, timings, listener().l);
    await c.open_();
    const [a, b] = await Promise.all([
      c.request_({ type: 'subscribe', userId: 'x', screen: false, audio: true, video: true }),
      c.request_({ type: 'subscribe', userId: 'y', screen: false, audio: true, video: true }),
    ]);
    expect(a).toEqual({ url: 'u-x' });
    expect(b).toEqual({ url: 'u-y' });
    const frame = server.peers[0]!.frames.find((f) => f.type === 'subscribe')!;
    expect(frame.v).toBe(1);
    expect(typeof frame.id).toBe('number');
    c.close_('done');
  });

  it('rejects with the code the server refused with', async () => {
    server = await startFakeSignaling((f, peer) => (f.type === 'join' ? peer.refuse(f, 400001, 'bad token') : defaultScript(f, peer)));
    const c = new Connection(server.url, factory, timings, listener().l);
    await c.open_();
    await expect(c.request_(join)).rejects.toMatchObject({ code: 400001, reason: 'bad token' });
    c.close_('done');
  });

  it('times out a request the server never answers, and ignores the late answer', async () => {
    server = await startFakeSignaling((f, peer) => (f.type === 'join' ? undefined : defaultScript(f, peer)));
    const { l, errors } = listener();
    const c = new Connection(server.url, factory, { ...timings, requestTimeoutMs: 100 }, l);
    await c.open_();
    await expect(c.request_(join)).rejects.toMatchObject({ code: ERROR_CODES.REQUEST_TIMEOUT });
    const { frame, peer } = { frame: server.peers[0]!.frames.find((f) => f.type === 'join')!, peer: server.peers[0]! };
    peer.reply(frame, { sessionId: 'late', peers: [], streams: [], tokenExpireAt: 0 });
    // The connection still works and the late answer reached nobody.
    await expect(c.request_({ type: 'leave' })).resolves.toEqual({});
    expect(errors).toEqual([]);
    c.close_('done');
  });

  it('rejects every pending request with CONNECTION_LOST when the socket dies, and reports the loss once', async () => {
    server = await startFakeSignaling((f, peer) => (f.type === 'join' || f.type === 'publish' ? undefined : defaultScript(f, peer)));
    const { l, lost } = listener();
    const c = new Connection(server.url, factory, timings, l);
    await c.open_();
    const a = c.request_(join);
    const b = c.request_({ type: 'publish', screen: false });
    await server.nextFrame('publish');
    server.peers[0]!.socket.terminate();
    await expect(a).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
    await expect(b).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
    expect((await lost).code).toBe(ERROR_CODES.CONNECTION_LOST);
    await expect(c.request_({ type: 'leave' })).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
  });

  it('our own close rejects pending requests but is not reported as a loss', async () => {
    server = await startFakeSignaling((f, peer) => (f.type === 'join' ? undefined : defaultScript(f, peer)));
    let lostCalls = 0;
    const c = new Connection(server.url, factory, timings, { inbox_: { receive_: () => {} }, emitError_: () => {}, connLost_: () => lostCalls++ });
    await c.open_();
    const pending = c.request_(join);
    await server.nextFrame('join');
    c.close_('bye');
    await expect(pending).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
    expect(lostCalls).toBe(0);
  });

  it('sends heartbeats, and counts a silent server as lost', async () => {
    let pings = 0;
    server = await startFakeSignaling((f) => {
      if (f.type === 'ping') pings++; // never answered
    });
    const { l, lost } = listener();
    const c = new Connection(server.url, factory, { requestTimeoutMs: 1000, heartbeatIntervalMs: 30, heartbeatTimeoutMs: 150 }, l);
    await c.open_();
    const err = await lost;
    expect(err.code).toBe(ERROR_CODES.CONNECTION_LOST);
    expect(err.reason).toMatch(/heartbeat/);
    expect(pings).toBeGreaterThan(0);
    expect(c.isOpen_).toBe(false);
  });

  it('stays open while the server answers heartbeats', async () => {
    server = await startFakeSignaling();
    const { l } = listener();
    let lostCalls = 0;
    const c = new Connection(
      server.url,
      factory,
      { requestTimeoutMs: 1000, heartbeatIntervalMs: 20, heartbeatTimeoutMs: 100 },
      { ...l, connLost_: () => lostCalls++ },
    );
    await c.open_();
    // Wait for several heartbeat rounds, then check the connection survived them.
    for (let i = 0; i < 6; i++) await server.nextFrame('ping');
    expect(c.isOpen_).toBe(true);
    expect(lostCalls).toBe(0);
    await expect(c.request_({ type: 'leave' })).resolves.toEqual({});
    c.close_('done');
  });

  it('counts silence from the last frame heard, however many frames came before', async () => {
    // Pongs for a while (several heartbeat timeouts long, so the silence watch has to look again
    // each time it is due), then none: lost, and not before a whole timeout after the last pong.
    let answering = true;
    let lastPongAt = 0;
    server = await startFakeSignaling((f, peer) => {
      if (f.type !== 'ping' || !answering) return;
      peer.send({ v: 1, type: 'pong', t: f.t });
      lastPongAt = Date.now();
    });
    const { l, lost } = listener();
    const c = new Connection(server.url, factory, { requestTimeoutMs: 1000, heartbeatIntervalMs: 20, heartbeatTimeoutMs: 100 }, l);
    await c.open_();
    await new Promise((r) => setTimeout(r, 400));
    expect(c.isOpen_).toBe(true);
    answering = false;
    const err = await lost;
    expect(err.reason).toMatch(/heartbeat/);
    expect(Date.now() - lastPongAt).toBeGreaterThanOrEqual(95);
  });

  it('fails to open with CONNECTION_FAILED when nothing listens', async () => {
    server = await startFakeSignaling();
    const url = server.url;
    await server.close();
    server = undefined;
    const c = new Connection(url, factory, timings, listener().l);
    await expect(c.open_()).rejects.toMatchObject({ code: ERROR_CODES.CONNECTION_FAILED });
  });

  it('surfaces unsolicited error frames and bad frames, and keeps serving', async () => {
    server = await startFakeSignaling();
    const { l, errors, events } = listener();
    const c = new Connection(server.url, factory, timings, l);
    await c.open_();
    const peer = server.peers[0]!;
    peer.send({ v: 1, type: 'error', error: { code: 200005, reason: 'your frame was bad' } });
    peer.sendRaw('not json');
    peer.sendRaw(Buffer.from([1, 2]));
    peer.send({ v: 99, type: 'event', event: 'peer-online', data: { uid: 'x' } });
    peer.send({ v: 1, type: 'mystery' });
    peer.send({ v: 1, type: 'event', event: 'peer-online', data: { uid: 'y' } });
    await expect(c.request_({ type: 'leave' })).resolves.toEqual({});
    expect(errors.map((e) => e.code)).toEqual([
      200005,
      ERROR_CODES.PROTOCOL_ERROR,
      ERROR_CODES.PROTOCOL_ERROR,
      ERROR_CODES.PROTOCOL_ERROR,
      ERROR_CODES.PROTOCOL_ERROR,
    ]);
    expect(errors[3]!.reason).toMatch(/version 99/);
    expect(events).toEqual([{ name: 'peer-online', data: { uid: 'y' } }]);
    c.close_('done');
  });

  it('fails the request a wrong-version answer belongs to', async () => {
    server = await startFakeSignaling((f, peer) =>
      f.type === 'join' ? peer.send({ v: 2, type: 'response', id: f.id, ok: true, data: {} }) : defaultScript(f, peer),
    );
    const c = new Connection(server.url, factory, timings, listener().l);
    await c.open_();
    await expect(c.request_(join)).rejects.toMatchObject({ code: ERROR_CODES.PROTOCOL_ERROR });
    c.close_('done');
  });
});
