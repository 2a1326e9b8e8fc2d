// Reconnect logic against a scripted protocol server on a real loopback socket (the layer
// below): backoff bounds, what a resume presents, replay without duplicates, the fresh-join
// fallback with the room's differences, final refusals. test/e2e/reconnect.test.ts and
// test/reliability/chaos.test.ts run the same against the real server.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { backoffMs } from '../../src/runtime/runtime.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { defaultScript, startFakeSignaling, type FakeServer, type Script } from '../support/fake-signaling.js';
import { APP_ID, watch, wsTransport } from '../support/runtime-harness.js';

let server: FakeServer | undefined;
const clients: ClientRuntime[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  await server?.close();
  server = undefined;
});

const JOIN = {
  sessionId: 's1',
  resumeToken: 'secret-1',
  peers: ['bob', 'carol'],
  streams: [{ uid: 'bob', screen: false, audio: true, video: true }],
  tokenExpireAt: 0,
};

async function inRoom(script: Script) {
  server = await startFakeSignaling(script);
  const rt = createRuntime({ server: server.url, transport: wsTransport, reconnect: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 5 } });
  clients.push(rt);
  const w = watch(rt, Object.values(EVENTS));
  await rt.init(APP_ID);
  await rt.join('the-token', 'r', 'me');
  return { rt, w, server };
}

describe('backoff', () => {
  it('waits between half and all of min(max, base * 2^n)', () => {
    const r = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let n = 0; n < 40; n++) {
      const cap = Math.min(1000, 100 * 2 ** n);
      expect(backoffMs(r, n, 0)).toBe(cap / 2);
      expect(backoffMs(r, n, 1)).toBe(cap);
      expect(backoffMs(r, n, 0.5)).toBeGreaterThanOrEqual(cap / 2);
    }
  });
});

describe('resume', () => {
  it('presents the session, its secret and the last event number; replayed events are not delivered twice', async () => {
    let resumed = 0;
    const { w, server } = await inRoom((f, peer) => {
      if (f.type === 'join') return peer.reply(f, JOIN);
      if (f.type === 'resume') {
        resumed++;
        peer.reply(f, { sessionId: 's1', tokenExpireAt: 0, replayed: 2 });
        // seq 2 was delivered before the drop; 3 was not.
        peer.send({ v: 1, type: 'event', event: 'mute-audio', data: { uid: 'bob', screen: false }, seq: 2 });
        peer.send({ v: 1, type: 'event', event: 'unmute-audio', data: { uid: 'bob', screen: false }, seq: 3 });
        return;
      }
      defaultScript(f, peer);
    });
    const first = server.peers[0]!;
    first.send({ v: 1, type: 'event', event: 'peer-leave', data: { uid: 'carol', reason: 'leave' }, seq: 1 });
    first.send({ v: 1, type: 'event', event: 'mute-audio', data: { uid: 'bob', screen: false }, seq: 2 });
    await w.next(EVENTS.MUTE_AUDIO);
    first.socket.terminate();
    const { frame } = await server.nextFrame('resume');
    expect(frame).toMatchObject({ type: 'resume', sessionId: 's1', resumeToken: 'secret-1', lastSeq: 2 });
    await w.next(EVENTS.UNMUTE_AUDIO);
    expect(w.of(EVENTS.MUTE_AUDIO)).toHaveLength(1);
    expect(resumed).toBe(1);
    expect(w.of(EVENTS.CONNECTION_STATE_CHANGED).slice(-2)).toEqual([
      { state: 'reconnecting', prevState: 'connected' },
      { state: 'connected', prevState: 'reconnecting' },
    ]);
  });

  it('events that arrive right behind the join answer are delivered, not dropped', async () => {
    const { w } = await inRoom((f, peer) => {
      if (f.type === 'join') {
        peer.reply(f, JOIN);
        peer.send({ v: 1, type: 'event', event: 'peer-online', data: { uid: 'dave' }, seq: 1 });
        return;
      }
      defaultScript(f, peer);
    });
    expect((await w.next(EVENTS.PEER_ONLINE, (p) => p.uid === 'dave')).uid).toBe('dave');
  });

  it('refused: joins afresh with the original token and tells the app what changed meanwhile', async () => {
    let joins = 0;
    const { w, server } = await inRoom((f, peer) => {
      if (f.type === 'join') {
        joins++;
        // Second time round carol is gone, bob muted his audio, dave arrived.
        if (joins === 1) return peer.reply(f, JOIN);
        return peer.reply(f, {
          sessionId: 's2',
          resumeToken: 'secret-2',
          peers: ['bob', 'dave'],
          streams: [{ uid: 'bob', screen: false, audio: false, video: true }],
          tokenExpireAt: 0,
        });
      }
      if (f.type === 'resume') return peer.refuse(f, ERROR_CODES.NOT_IN_ROOM, 'no session to resume');
      defaultScript(f, peer);
    });
    server.peers[0]!.socket.terminate();
    const { frame } = await server.nextFrame('join');
    expect(frame).toMatchObject({ token: 'the-token', roomId: 'r', userId: 'me' });
    expect(await w.next(EVENTS.PEER_LEAVE)).toEqual({ uid: 'carol', reason: 'timeout' });
    expect(await w.next(EVENTS.PEER_ONLINE, (p) => p.uid === 'dave')).toEqual({ uid: 'dave' });
    expect(await w.next(EVENTS.MUTE_AUDIO)).toEqual({ uid: 'bob', screen: false });
    expect(w.of(EVENTS.STREAM_REMOVED)).toEqual([]);
    expect(w.of(EVENTS.DISCONNECT)).toEqual([]);
  });

  it('a final refusal of the fresh join (token expired) gives up at once with that code', async () => {
    let joins = 0;
    const { rt, w, server } = await inRoom((f, peer) => {
      if (f.type === 'join' && joins++ > 0) return peer.refuse(f, ERROR_CODES.TOKEN_EXPIRED, 'expired');
      if (f.type === 'resume') return peer.refuse(f, ERROR_CODES.NOT_IN_ROOM, 'no session');
      defaultScript(f, peer);
    });
    server.peers[0]!.socket.terminate();
    expect(await w.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.TOKEN_EXPIRED });
    expect((rt as unknown as { stats: { attempts: number } }).stats.attempts).toBe(1);
  });
});
