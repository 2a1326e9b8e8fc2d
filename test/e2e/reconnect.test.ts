// Reconnect and resume end to end: runtimes reach the REAL server through a fault-injecting
// proxy (test/support/chaos-proxy.ts) that the tests drive by hand, over both transports.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { ChaosProxy } from '../support/chaos-proxy.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch } from '../support/runtime-harness.js';
import { timerCensus } from '../support/timer-census.js';
import { TRANSPORT_MODES } from '../support/transport-modes.js';

const ALL_EVENTS = Object.values(EVENTS);
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );
type Stats = { drops: number; attempts: number; resumes: number; freshJoins: number; gaveUp: number };
const statsOf = (rt: ClientRuntime): Stats => (rt as unknown as { stats: Stats }).stats;

const FAST = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, requestTimeoutMs: 3000, reconnect: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 50 } };

describe.each(TRANSPORT_MODES)('reconnect over $name', (mode) => {
  let server: RunningServer | undefined;
  let proxy: ChaosProxy | undefined;
  const clients: ClientRuntime[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
    await proxy?.close();
    await server?.close();
    mode.uninstall();
  });

  async function setup(grace = 10_000) {
    mode.install();
    server = await startRealServer({ resumeGraceMs: grace });
    proxy = await ChaosProxy.start({ host: '127.0.0.1', port: server.port });
    return { server, proxy };
  }

  /** alice goes through the proxy; bob connects directly and watches what the room hears. */
  async function pair(room: string, aliceOptions: Record<string, unknown> = {}) {
    const alice = createRuntime({ server: proxy!.url(), ...mode.options(), ...FAST, ...aliceOptions });
    const bob = createRuntime({ server: server!.url, ...mode.options(), ...FAST });
    clients.push(alice, bob);
    const wa = watch(alice, ALL_EVENTS);
    const wb = watch(bob, ALL_EVENTS);
    await alice.init(E2E_APP_ID);
    await bob.init(E2E_APP_ID);
    await bob.join(mintToken(room, 'bob'), room, 'bob');
    await bob.publish();
    await alice.join(mintToken(room, 'alice'), room, 'alice');
    await wb.next(EVENTS.PEER_ONLINE);
    await alice.subscribe('bob', {});
    return { alice, bob, wa, wb };
  }

  const reconnected = (w: ReturnType<typeof watch>) =>
    w.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'connected' && p.prevState === 'reconnecting');

  it('a short drop resumes the session: the others hear nothing, missed events arrive, the subscription still works', async () => {
    const { server } = await setup();
    const { alice, bob, wa, wb } = await pair('r1');
    await alice.publish();
    await wb.next(EVENTS.STREAM_ADDED);
    proxy!.refuse(true);
    proxy!.dropAll();
    expect(await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting')).toEqual({ state: 'reconnecting', prevState: 'connected' });
    await bob.muteLocal({ audio: true, video: false }); // while alice is away
    proxy!.refuse(false);
    await reconnected(wa);
    expect(await wa.next(EVENTS.MUTE_AUDIO)).toEqual({ uid: 'bob', screen: false });
    expect(statsOf(alice)).toMatchObject({ resumes: 1, freshJoins: 0 });
    await alice.muteRemote('bob', { audio: true, video: false });
    const room = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: 'r1' });
    expect(room?.subscriptions).toMatchObject([{ subscriberId: 'alice', userId: 'bob', pausedAudio: true }]);
    expect(room?.streams.map((s) => s.uid).sort()).toEqual(['alice', 'bob']);
    for (const e of [EVENTS.PEER_LEAVE, EVENTS.STREAM_REMOVED]) expect(wb.of(e)).toEqual([]);
    expect(wb.of(EVENTS.PEER_ONLINE)).toHaveLength(1);
    expect(wa.of(EVENTS.DISCONNECT)).toEqual([]);
    expect(wa.of(EVENTS.UPDATE_URL)).toEqual([]); // nothing changed: the URLs stay valid
  });

  it('a call whose answer was lost is resent after the resume and applied once', async () => {
    await setup();
    const { alice, bob, wa, wb } = await pair('r2');
    // The request reaches the server, its answer does not come back: the heartbeat gives up.
    for (const l of proxy!.links) l.stall(60_000, 'down');
    const url = await alice.publish();
    expect(url).toMatch(/^rtmp:\/\//);
    expect(statsOf(alice).resumes).toBe(1);
    await wb.next(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    await bob.setUserVisibility(true); // a round trip: every event sent to bob before it is in
    expect(wb.of(EVENTS.STREAM_ADDED).filter((p) => p.uid === 'alice')).toHaveLength(1);
    expect(await codeOf(alice.publish())).toBe(ERROR_CODES.ALREADY_PUBLISHED);
    expect(wa.of(EVENTS.DISCONNECT)).toEqual([]);
  });

  it('calls made while reconnecting wait for the resume and then go out', async () => {
    await setup();
    const { alice, wa, wb } = await pair('r3');
    proxy!.refuse(true);
    proxy!.dropAll();
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
    const publishing = alice.publish();
    const unsubscribing = alice.unsubscribe('bob', {});
    proxy!.refuse(false);
    expect(await publishing).toMatch(/^rtmp:\/\//);
    expect(await unsubscribing).toBeUndefined();
    await wb.next(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
  });

  it('a drop longer than the grace period: the resume is refused, the client joins afresh and restores its publish, mute and subscription with UPDATE_URL', async () => {
    const { server } = await setup(300);
    const { alice, bob, wa, wb } = await pair('r4');
    const firstPush = await alice.publish();
    await alice.muteLocal({ audio: true, video: false });
    proxy!.refuse(true);
    proxy!.dropAll();
    expect((await wb.next(EVENTS.PEER_LEAVE)).reason).toBe('timeout');
    await bob.unpublish(); // gone while alice was away: she must hear of it
    await bob.publish();
    await bob.muteLocal({ audio: false, video: true });
    proxy!.refuse(false);
    await reconnected(wa);
    const urls = [await wa.next(EVENTS.UPDATE_URL), await wa.next(EVENTS.UPDATE_URL)];
    expect(urls.map((u) => u.uid).sort()).toEqual(['alice', 'bob']);
    expect(urls.find((u) => u.uid === 'alice').url).toMatch(/^rtmp:\/\//);
    expect(firstPush).toMatch(/^rtmp:\/\//);
    expect(statsOf(alice)).toMatchObject({ freshJoins: 1 });
    await wb.next(EVENTS.PEER_ONLINE, (p) => p.uid === 'alice');
    const room = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: 'r4' });
    expect(room?.streams.find((s) => s.uid === 'alice')).toMatchObject({ audio: false, video: true });
    expect(room?.subscriptions).toMatchObject([{ subscriberId: 'alice', userId: 'bob' }]);
    expect(wa.of(EVENTS.MUTE_VIDEO)).toEqual([{ uid: 'bob', screen: false }]);
  });

  it('a server restart: the resume is refused by the new server, the client joins it afresh and publishes again', async () => {
    const { server: first } = await setup();
    const alice = createRuntime({ server: proxy!.url(), ...mode.options(), ...FAST });
    clients.push(alice);
    const wa = watch(alice, ALL_EVENTS);
    await alice.init(E2E_APP_ID);
    await alice.join(mintToken('r8', 'alice'), 'r8', 'alice');
    await alice.publish();
    await first.close();
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
    server = await startRealServer({ port: first.port });
    await reconnected(wa);
    expect((await wa.next(EVENTS.UPDATE_URL)).uid).toBe('alice');
    expect(statsOf(alice)).toMatchObject({ resumes: 0, freshJoins: 1 });
    const room = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: 'r8' });
    expect(room?.members.map((m) => m.userId)).toEqual(['alice']);
    expect(room?.streams.map((x) => x.uid)).toEqual(['alice']);
  });

  it('taken over while away: the resume hears KICKED and the client gives up with DISCONNECT KICKED', async () => {
    await setup();
    const { alice, wa } = await pair('r5');
    proxy!.refuse(true);
    proxy!.dropAll();
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
    const pending = alice.muteRemote('bob', { audio: true, video: true });
    const other = createRuntime({ server: server!.url, ...mode.options(), ...FAST });
    clients.push(other);
    await other.init(E2E_APP_ID);
    await other.join(mintToken('r5', 'alice'), 'r5', 'alice');
    proxy!.refuse(false);
    expect(await wa.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.KICKED });
    expect(await codeOf(pending)).toBe(ERROR_CODES.CONNECTION_LOST);
    expect(await codeOf(alice.publish())).toBe(ERROR_CODES.NOT_IN_ROOM);
  });

  it('gives up after maxAttempts with DISCONNECT CONNECTION_LOST; queued calls fail with CONNECTION_LOST', async () => {
    await setup();
    const { alice, wa } = await pair('r6', { reconnect: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
    proxy!.refuse(true);
    proxy!.dropAll();
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
    const queued = alice.muteRemote('bob', { audio: true, video: false });
    expect(await wa.next(EVENTS.DISCONNECT)).toMatchObject({ code: ERROR_CODES.CONNECTION_LOST });
    expect(await codeOf(queued)).toBe(ERROR_CODES.CONNECTION_LOST);
    expect(statsOf(alice)).toMatchObject({ attempts: 3, gaveUp: 1 });
    expect(wa.of(EVENTS.CONNECTION_STATE_CHANGED).pop()).toEqual({ state: 'disconnected', prevState: 'reconnecting' });
  });

  it('leave and destroy while reconnecting leave no SDK timer and no socket behind', async () => {
    const census = timerCensus('src/runtime/');
    try {
      const { server } = await setup(300);
      const { alice, bob, wa } = await pair('r7', { reconnect: { baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 50 } });
      proxy!.refuse(true);
      proxy!.dropAll();
      await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
      const queued = alice.publish();
      await alice.leave();
      expect(await codeOf(queued)).toBe(ERROR_CODES.NOT_IN_ROOM);
      await bob.leave();
      await alice.destroy();
      await bob.destroy();
      expect(census.live()).toBe(0);
      expect(census.started()).toBeGreaterThan(10); // it did see the SDK's timers
      await until(() => server.stats().sockets === 0);
      expect(proxy!.links.size).toBe(0);
      // alice left while away: the server ends her parked session when its grace period is over.
      await until(() => server.stats().sessions === 0);
      expect(await server.rooms.rooms(E2E_APP_ID)).toEqual([]);
    } finally {
      census.restore();
    }
  });
});

/** Waits (by polling real state, never a fixed sleep as the assertion) until cond holds. */
function until(cond: () => boolean, what = 'condition'): Promise<void> {
  return vi.waitFor(
    () => {
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: 5_000, interval: 10 },
  );
}
