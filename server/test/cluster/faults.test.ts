// Faults of a cluster of real `serve --redis` processes: a node SIGKILLed mid-call, Redis
// restarting mid-call, and a rolling restart of every node. The SDK's own runtime reconnects
// through a round-robin TCP proxy (the load balancer) and resumes on another node; the others
// in the room notice nothing, and a member that does not come back is removed once.
import { afterEach, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { createRuntime, type ClientRuntime } from '../../../src/runtime/index.js';
import { EVENTS } from '../../../src/generated/events.js';
import { TestRedis } from '../../../test/support/redis.js';
import { needs } from '../../../test/support/binaries.js';
import { wsTransport } from '../../../test/support/runtime-harness.js';
import { APP_ID, RawClient, token } from '../support/client.js';
import { RedisView, RoundRobinProxy, ServeNode, until, viewOf } from './support.js';

interface Member {
  uid: string;
  rt: ClientRuntime;
  heard: { event: string; uid: string; reason?: string }[];
}

const ROOM_EVENTS = [EVENTS.PEER_LEAVE, EVENTS.PEER_ONLINE, EVENTS.STREAM_REMOVED, EVENTS.STREAM_ADDED, EVENTS.MUTE_AUDIO, EVENTS.UNMUTE_AUDIO];

describe.runIf(needs(['redis-server'], 'cluster faults'))('cluster faults', () => {
  let redis: TestRedis | undefined;
  let nodes: ServeNode[] = [];
  let proxy: RoundRobinProxy | undefined;
  let view: RedisView | undefined;
  let members: Member[] = [];
  let raws: RawClient[] = [];

  afterEach(async () => {
    for (const m of members) await m.rt.destroy().catch(() => undefined);
    for (const r of raws) r.ws.terminate();
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    view?.close();
    await redis?.stop();
    members = [];
    raws = [];
    nodes = [];
    proxy = undefined;
    view = undefined;
    redis = undefined;
  });

  async function cluster(n: number, graceMs: number): Promise<void> {
    redis = await TestRedis.start();
    nodes = await Promise.all(Array.from({ length: n }, () => ServeNode.start(redis!.url, { graceMs, ttlMs: 1500 })));
    view = new RedisView(redis.url);
    proxy = await RoundRobinProxy.start(() => nodes.filter((x) => x.alive).map((x) => x.port));
  }

  async function member(uid: string, room: string): Promise<Member> {
    const rt = createRuntime({
      server: proxy!.url,
      transport: wsTransport,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 1000,
      requestTimeoutMs: 8000,
      reconnect: { baseDelayMs: 50, maxDelayMs: 300, maxAttempts: 100 },
    });
    const m: Member = { uid, rt, heard: [] };
    for (const e of ROOM_EVENTS)
      rt.on(e, (p: { uid: string; reason?: string }) => m.heard.push({ event: e, uid: p.uid, ...(p.reason ? { reason: p.reason } : {}) }));
    rt.on(EVENTS.ERROR, () => undefined);
    await rt.init(APP_ID);
    await rt.join(token(room, uid), room, uid);
    members.push(m);
    return m;
  }

  const stats = (m: Member) => (m.rt as unknown as { stats: { resumes: number; freshJoins: number; gaveUp: number } }).stats;
  const heardOf = (m: Member, event: string, uid: string) => m.heard.filter((h) => h.event === event && h.uid === uid);

  it('a node SIGKILLed mid-call: its clients resume on the others, nobody hears them leave; one that never returns leaves once', async () => {
    await cluster(3, 4000);
    const room = 'kill';
    // Round robin: u0 on node 0, u1 on node 1, u2 on node 2.
    const [u0, u1, u2] = [await member('u0', room), await member('u1', room), await member('u2', room)];
    await u0.rt.publish();
    await until(
      () => heardOf(u1, EVENTS.STREAM_ADDED, 'u0').length === 1 && heardOf(u2, EVENTS.STREAM_ADDED, 'u0').length === 1,
      10_000,
      () => 'stream-added',
    );
    await u1.rt.subscribe('u0', {});
    // A raw client on node 0 that will not come back after the crash.
    const ghost = await RawClient.connect(nodes[0]!.url);
    raws.push(ghost);
    expect((await ghost.join(room, 'ghost')).ok).toBe(true);
    await until(
      () => members.every((m) => heardOf(m, EVENTS.PEER_ONLINE, 'ghost').length === 1),
      10_000,
      () => 'ghost online',
    );

    const victim = nodes.find((n) => n.port === nodes[0]!.port)!;
    await victim.kill();

    // u0 resumes elsewhere (the proxy only knows live nodes now) and keeps its stream.
    await until(
      () => stats(u0).resumes >= 1,
      15_000,
      () => `u0 stats ${JSON.stringify(stats(u0))}`,
    );
    expect(stats(u0).freshJoins).toBe(0);
    // The ghost is removed once the dead node is noticed and the grace period is over, by one survivor.
    await until(
      () => heardOf(u1, EVENTS.PEER_LEAVE, 'ghost').length > 0 && heardOf(u2, EVENTS.PEER_LEAVE, 'ghost').length > 0,
      20_000,
      () => 'ghost leave',
    );
    await u0.rt.muteLocal({ audio: true, video: false });
    await until(
      () => heardOf(u1, EVENTS.MUTE_AUDIO, 'u0').length === 1 && heardOf(u2, EVENTS.MUTE_AUDIO, 'u0').length === 1,
      10_000,
      () => 'mute after resume',
    );
    // u0 heard the ghost leave too (an event committed while it was between nodes, or after).
    await until(
      () => heardOf(u0, EVENTS.PEER_LEAVE, 'ghost').length === 1,
      10_000,
      () => 'u0 heard ghost leave',
    );

    for (const m of [u0, u1, u2]) {
      expect(heardOf(m, EVENTS.PEER_LEAVE, 'ghost'), m.uid).toEqual([{ event: EVENTS.PEER_LEAVE, uid: 'ghost', reason: 'timeout' }]);
      expect(
        m.heard.filter((h) => h.event === EVENTS.PEER_LEAVE && h.uid !== 'ghost'),
        m.uid,
      ).toEqual([]);
      expect(
        m.heard.filter((h) => h.event === EVENTS.STREAM_REMOVED),
        m.uid,
      ).toEqual([]);
    }
    const r = await view!.room(room);
    expect(r!.members).toEqual(['u0', 'u1', 'u2']);
    expect(r!.streams).toEqual([{ uid: 'u0', screen: false, audio: false, video: true }]);
    expect(r!.subscriptions).toEqual(['u1>u0']);
    // Nothing is left waiting in the parked queue.
    expect(await view!.redis.zcard('mprtc:parked')).toBe(0);
  });

  it('a session resumed at protocol level on another node gets the events it missed, numbered on', async () => {
    await cluster(2, 4000);
    const room = 'replay';
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    raws.push(a, b);
    const ja = await a.join(room, 'a');
    expect((await b.join(room, 'b')).ok).toBe(true);
    await a.waitEvent('peer-online', (d) => d.uid === 'b');
    // a publishes on node 0; the client will resend this request after the resume (same id).
    const published = await a.requestWithId(7, 'publish', { screen: false });
    expect(published.ok).toBe(true);
    await b.waitEvent('stream-added', (d) => d.uid === 'a');
    const last = a.lastSeq;
    await nodes[0]!.kill();
    await a.waitClose();
    // While a is away, b publishes and mutes: a must get both on resume.
    expect((await b.request('publish', { screen: false })).ok).toBe(true);
    expect((await b.request('muteLocal', { audio: true, video: false })).ok).toBe(true);
    const a2 = await RawClient.connect(nodes[1]!.url);
    raws.push(a2);
    const res = await a2.request('resume', { sessionId: ja.data.sessionId, resumeToken: ja.data.resumeToken, lastSeq: last });
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    expect(res.data.replayed).toBe(2);
    await a2.waitEvent('mute-audio');
    expect(a2.events().map((f) => [f.event, f.seq])).toEqual([
      ['stream-added', last + 1],
      ['mute-audio', last + 2],
    ]);
    // The resent publish gets node 0's answer (same URL), not a second run (ALREADY_PUBLISHED)...
    const resent = await a2.requestWithId(7, 'publish', { screen: false });
    expect(resent.ok, JSON.stringify(resent.error)).toBe(true);
    expect(resent.data.url).toBe(published.data.url);
    // ... while a new publish request is applied, and refused.
    expect((await a2.requestWithId(8, 'publish', { screen: false })).error?.code).toBe(CODES.ALREADY_PUBLISHED);
    // A wrong secret is refused like an unknown session.
    const x = await RawClient.connect(nodes[1]!.url);
    raws.push(x);
    expect((await x.request('resume', { sessionId: ja.data.sessionId, resumeToken: 'x'.repeat(32), lastSeq: 0 })).error!.code).toBe(
      (await x.request('resume', { sessionId: 'nope', resumeToken: 'x'.repeat(32), lastSeq: 0 })).error!.code,
    );
    await b.sync();
    expect(b.events('peer-leave')).toEqual([]);
  });

  it('a node stopped cleanly: a member that does not come back leaves once, after the grace period', async () => {
    await cluster(2, 1500);
    const room = 'stopped';
    const gone = await RawClient.connect(nodes[0]!.url);
    const watcher = await RawClient.connect(nodes[1]!.url);
    raws.push(gone, watcher);
    expect((await gone.join(room, 'gone')).ok).toBe(true);
    expect((await gone.request('publish', { screen: false })).ok).toBe(true);
    expect((await watcher.join(room, 'watcher')).ok).toBe(true);
    expect(await nodes[0]!.stop()).toBe(0);
    expect((await gone.waitClose()).code).toBe(1001);
    await watcher.waitEvent('peer-leave', (d) => d.uid === 'gone');
    await watcher.sync();
    expect(watcher.events('peer-leave').map((f) => f.data)).toEqual([{ uid: 'gone', reason: 'timeout' }]);
    expect(watcher.events('stream-removed').map((f) => f.data.uid)).toEqual(['gone']);
    expect((await view!.room(room))!.members).toEqual(['watcher']);
    expect(await view!.redis.zcard('mprtc:parked')).toBe(0);
  });

  it("a node's channel cut (its pub/sub connection killed): events committed meanwhile still arrive, in order", async () => {
    await cluster(2, 4000);
    const room = 'channel-cut';
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    raws.push(a, b);
    expect((await a.join(room, 'a')).ok).toBe(true);
    expect((await b.join(room, 'b')).ok).toBe(true);
    expect((await b.request('publish', { screen: false })).ok).toBe(true);
    await a.waitEvent('stream-added');
    // Every subscriber connection is dropped; the mutes are committed before they are back.
    await view!.redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    for (let i = 0; i < 4; i++) expect((await b.request('muteLocal', { audio: i % 2 === 0, video: false })).ok).toBe(true);
    await until(
      () => a.events('unmute-audio').length === 2,
      10_000,
      () => `a heard ${JSON.stringify(a.events().map((f) => f.event))}`,
    );
    expect(a.events().map((f) => f.event)).toEqual(['peer-online', 'stream-added', 'mute-audio', 'unmute-audio', 'mute-audio', 'unmute-audio']);
    expect(a.events().map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a member whose socket drops while Redis is away, and who never returns, leaves once Redis is back', async () => {
    await cluster(2, 1500);
    const room = 'drop-while-away';
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    raws.push(a, b);
    expect((await a.join(room, 'a')).ok).toBe(true);
    expect((await b.join(room, 'b')).ok).toBe(true);
    await redis!.down();
    a.ws.terminate();
    // The grace period runs out while Redis is still away: the park and the removal cannot be written yet.
    const graceOver = Date.now() + 2500;
    while (Date.now() < graceOver) await new Promise((r) => setTimeout(r, 100));
    await redis!.up();
    await b.waitEvent('peer-leave', (d) => d.uid === 'a');
    await b.sync();
    expect(b.events('peer-leave').map((f) => f.data)).toEqual([{ uid: 'a', reason: 'timeout' }]);
    expect((await view!.room(room))!.members).toEqual(['b']);
    expect(nodes.every((n) => n.alive)).toBe(true);
  });

  it('Redis restarting mid-call: no node crashes, requests meanwhile fail with an error code, the call goes on after', async () => {
    await cluster(2, 10_000);
    const room = 'redis-restart';
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    raws.push(a, b);
    expect((await a.join(room, 'a')).ok).toBe(true);
    expect((await b.join(room, 'b')).ok).toBe(true);
    expect((await a.request('publish', { screen: false })).ok).toBe(true);
    await b.waitEvent('stream-added');

    await redis!.down();
    const during = await a.request('muteLocal', { audio: true, video: false });
    expect(during.error?.code).toBe(CODES.SERVICE_UNAVAILABLE);
    const late = await RawClient.connect(nodes[1]!.url);
    raws.push(late);
    expect((await late.join(room, 'late')).error?.code).toBe(CODES.SERVICE_UNAVAILABLE);
    await a.sync(); // the socket is still served
    await redis!.up();

    // Back by itself: requests work and events cross nodes again.
    await until(
      async () => (await a.request('muteLocal', { audio: true, video: false })).ok === true,
      15_000,
      () => 'mute after redis is back',
    );
    await b.waitEvent('mute-audio', (d) => d.uid === 'a');
    expect(nodes.every((n) => n.alive)).toBe(true);
    expect((await late.join(room, 'late')).ok).toBe(true);
    const r = await view!.room(room);
    expect(r!.members).toEqual(['a', 'b', 'late']);
    await b.sync();
    expect(viewOf(b, 'b')).toEqual({ peers: ['a', 'late'], streams: [{ uid: 'a', screen: false, audio: false, video: true }] });
  });

  it('a rolling restart of every node, one at a time, cuts no call', async () => {
    await cluster(3, 8000);
    const room = 'rolling';
    const ms = [await member('r0', room), await member('r1', room), await member('r2', room)];
    await ms[0]!.rt.publish();
    await until(
      () => heardOf(ms[1]!, EVENTS.STREAM_ADDED, 'r0').length === 1 && heardOf(ms[2]!, EVENTS.STREAM_ADDED, 'r0').length === 1,
      10_000,
      () => 'stream-added',
    );
    for (let i = 0; i < 3; i++) {
      const old = nodes[i]!;
      expect(await old.stop()).toBe(0);
      nodes[i] = await ServeNode.start(redis!.url, { graceMs: 8000, ttlMs: 1500 });
      // Each restart is followed by the whole room still working.
      await ms[0]!.rt.muteLocal({ audio: i % 2 === 0, video: false });
      const want = i % 2 === 0 ? EVENTS.MUTE_AUDIO : EVENTS.UNMUTE_AUDIO;
      await until(
        () => [ms[1]!, ms[2]!].every((m) => m.heard.filter((h) => h.event === want && h.uid === 'r0').length >= Math.floor(i / 2) + 1),
        15_000,
        () => `mute round ${i}`,
      );
    }
    for (const m of ms) {
      expect(stats(m).freshJoins, m.uid).toBe(0);
      expect(
        m.heard.filter((h) => h.event === EVENTS.PEER_LEAVE || h.event === EVENTS.STREAM_REMOVED),
        m.uid,
      ).toEqual([]);
    }
    expect(ms.reduce((n, m) => n + stats(m).resumes, 0)).toBeGreaterThanOrEqual(3);
    const r = await view!.room(room);
    expect(r!.members).toEqual(['r0', 'r1', 'r2']);
  });
});
