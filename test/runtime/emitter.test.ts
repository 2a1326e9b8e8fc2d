// The emitter surface app code uses on the vendor's Client: on, once, off(event, fn), off(event),
// removeAllListeners(event?), through the runtime against the in-test protocol server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/runtime/emitter.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { defaultScript, startFakeSignaling, type FakeServer } from '../support/fake-signaling.js';
import { APP_ID, watch, wsTransport } from '../support/runtime-harness.js';

let server: FakeServer | undefined;
const clients: ClientRuntime[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function inRoom() {
  server = await startFakeSignaling(defaultScript);
  const rt = createRuntime({ server: server.url, transport: wsTransport });
  clients.push(rt);
  await rt.init(APP_ID);
  await rt.join('t', 'r', 'me');
  return { rt, peer: server.peers[0]! };
}

describe('the runtime as an event emitter', () => {
  it('once calls its listener for the first event only; off(event) and removeAllListeners drop listeners', async () => {
    const { rt, peer } = await inRoom();
    const calls: string[] = [];
    rt.once(EVENTS.PEER_ONLINE, (e) => calls.push(`once ${e.uid}`));
    rt.on(EVENTS.PEER_ONLINE, (e) => calls.push(`on ${e.uid}`));
    rt.on(EVENTS.PEER_LEAVE, (e) => calls.push(`leave ${e.uid}`));
    const w = watch(rt, [EVENTS.PEER_ONLINE, EVENTS.PEER_LEAVE]);
    peer.event('peer-online', { uid: 'a' });
    peer.event('peer-online', { uid: 'b' });
    await w.next(EVENTS.PEER_ONLINE, (p) => p.uid === 'b');
    expect(calls).toEqual(['once a', 'on a', 'on b']);

    // off without a handler: every listener of that event (the watcher's too), no other event's.
    rt.off(EVENTS.PEER_ONLINE);
    peer.event('peer-online', { uid: 'c' });
    peer.event('peer-leave', { uid: 'c', reason: 'leave' });
    await w.next(EVENTS.PEER_LEAVE);
    expect(calls).toEqual(['once a', 'on a', 'on b', 'leave c']);
    expect(w.of(EVENTS.PEER_ONLINE).map((p) => p.uid)).toEqual(['a', 'b']);

    // removeAllListeners(): nothing is called any more; listeners added afterwards work.
    rt.removeAllListeners();
    peer.event('peer-leave', { uid: 'a', reason: 'leave' });
    const after = watch(rt, [EVENTS.PEER_LEAVE]);
    peer.event('peer-leave', { uid: 'b', reason: 'leave' });
    expect(await after.next(EVENTS.PEER_LEAVE, (p) => p.uid === 'b')).toEqual({ uid: 'b', reason: 'leave' });
    expect(calls).toEqual(['once a', 'on a', 'on b', 'leave c']);
  });

  it('removeAllListeners(event) drops that event only; a once listener removed with off never runs', async () => {
    const { rt, peer } = await inRoom();
    const calls: string[] = [];
    const onceFn = () => calls.push('once');
    rt.once(EVENTS.PEER_ONLINE, onceFn);
    rt.off(EVENTS.PEER_ONLINE, onceFn);
    rt.on(EVENTS.PEER_ONLINE, () => calls.push('online'));
    rt.on(EVENTS.PEER_LEAVE, () => calls.push('leave'));
    rt.removeAllListeners(EVENTS.PEER_ONLINE);
    const w = watch(rt, [EVENTS.PEER_LEAVE]);
    peer.event('peer-online', { uid: 'a' });
    peer.event('peer-leave', { uid: 'a', reason: 'leave' });
    await w.next(EVENTS.PEER_LEAVE);
    expect(calls).toEqual(['leave']);
  });

  it('once after destroy is refused like on (CLIENT_DESTROYED, to console.error with no ERROR listener left)', async () => {
    const rt = createRuntime({});
    await rt.init(APP_ID);
    await rt.destroy();
    rt.removeAllListeners(); // allowed in any state
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    rt.once(EVENTS.PEER_ONLINE, () => undefined);
    expect(logged.mock.calls.map((c) => c[1])).toEqual([ERROR_CODES.CLIENT_DESTROYED]);
  });
});

describe('Emitter', () => {
  it('a once listener runs at most once, even when its own event is emitted from inside it', () => {
    const e = new Emitter();
    const seen: number[] = [];
    e.on(
      EVENTS.TOKEN_WILL_EXPIRE,
      (p) => {
        seen.push(p.expireAt);
        e.emit_(EVENTS.TOKEN_WILL_EXPIRE, { expireAt: p.expireAt + 1 });
      },
      true,
    );
    e.emit_(EVENTS.TOKEN_WILL_EXPIRE, { expireAt: 1 });
    expect(seen).toEqual([1]);
    expect(e.has_(EVENTS.TOKEN_WILL_EXPIRE)).toBe(false);
  });

  it('the same function is kept once; off(event, fn) removes it; a throwing listener does not stop the next', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const fn = () => seen.push('fn');
    e.on(EVENTS.PEER_ONLINE, () => {
      throw new Error('app bug');
    });
    e.on(EVENTS.PEER_ONLINE, fn);
    e.on(EVENTS.PEER_ONLINE, fn, true);
    const log = console.error;
    console.error = () => undefined;
    try {
      e.emit_(EVENTS.PEER_ONLINE, { uid: 'a' });
      e.emit_(EVENTS.PEER_ONLINE, { uid: 'b' });
    } finally {
      console.error = log;
    }
    expect(seen).toEqual(['fn', 'fn']); // registered by on first: stays an on listener
    e.off(EVENTS.PEER_ONLINE, fn);
    e.removeAllListeners(EVENTS.PEER_ONLINE);
    expect(e.has_(EVENTS.PEER_ONLINE)).toBe(false);
  });
});
