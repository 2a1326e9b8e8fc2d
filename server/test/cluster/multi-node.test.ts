// Three real `serve --redis` processes sharing one real redis-server act as one server: clients
// spread across the nodes share rooms, hear each other's events in order, and every client's view
// equals the room in Redis. A takeover works across nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { TestRedis } from '../../../test/support/redis.js';
import { needs } from '../../../test/support/binaries.js';
import { SharedReportStore } from '../../src/cluster/reports.js';
import { APP_ID, RawClient } from '../support/client.js';
import { RedisView, ServeNode, seqs, until, viewOf } from './support.js';

describe.runIf(needs(['redis-server'], 'cluster multi-node'))('three nodes, one Redis', () => {
  let redis: TestRedis;
  let nodes: ServeNode[] = [];
  let view: RedisView;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    // Each node names its own relay host in the URLs it issues (--no-relay: unchecked URLs).
    nodes = await Promise.all([0, 1, 2].map((i) => ServeNode.start(redis.url, { args: ['--public-host', `relay${i}.test`] })));
    view = new RedisView(redis.url);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(nodes.map((n) => n.stop()));
    view?.close();
    await redis?.stop();
  });

  const connect = async (node: ServeNode): Promise<RawClient> => {
    const c = await RawClient.connect(node.url);
    clients.push(c);
    return c;
  };

  /** Every client's view of the room equals the room in Redis. */
  async function viewsMatch(roomId: string, members: Map<string, RawClient>): Promise<void> {
    const room = await view.room(roomId);
    for (const [uid, c] of members) {
      await c.sync();
      const v = viewOf(c, uid);
      expect(v.peers, `${uid}'s peers`).toEqual(room!.visible.filter((u) => u !== uid));
      expect(v.streams, `${uid}'s streams`).toEqual(room!.streams.filter((s) => s.uid !== uid).sort((a, b) => a.uid.localeCompare(b.uid)));
    }
  }

  it('runs a call across nodes: join, publish, subscribe, mute, leave', async () => {
    const room = 'call';
    const members = new Map<string, RawClient>();
    // Two users per node, joining one after another.
    for (let i = 0; i < 6; i++) {
      const c = await connect(nodes[i % 3]!);
      const r = await c.join(room, `u${i}`);
      expect(r.ok, JSON.stringify(r.error)).toBe(true);
      expect(r.data.peers).toEqual([...members.keys()]);
      members.set(`u${i}`, c);
    }
    // Everybody heard of everybody who came later, wherever they are connected.
    for (let i = 0; i < 6; i++) {
      const c = members.get(`u${i}`)!;
      for (let j = i + 1; j < 6; j++) await c.waitEvent('peer-online', (d) => d.uid === `u${j}`);
    }

    // u0 (node 0) and u4 (node 1) publish; u2 (node 2) and u3 (node 0) subscribe.
    const push0 = await members.get('u0')!.request('publish', { screen: false });
    const push4 = await members.get('u4')!.request('publish', { screen: false });
    // A push URL names the relay of the publisher's node.
    expect(new URL(push0.data.url).hostname).toBe('relay0.test');
    expect(new URL(push4.data.url).hostname).toBe('relay1.test');
    for (const [uid, c] of members) {
      if (uid !== 'u0') await c.waitEvent('stream-added', (d) => d.uid === 'u0');
      if (uid !== 'u4') await c.waitEvent('stream-added', (d) => d.uid === 'u4');
    }
    const play2 = await members.get('u2')!.request('subscribe', { userId: 'u0', screen: false, audio: true, video: true });
    const play3 = await members.get('u3')!.request('subscribe', { userId: 'u4', screen: false, audio: true, video: true });
    // A play URL names the relay that holds the stream, whichever node the subscriber is on.
    expect(new URL(play2.data.url).hostname).toBe('relay0.test');
    expect(new URL(play3.data.url).hostname).toBe('relay1.test');
    // muteLocal on node 1 reaches nodes 0 and 2.
    expect((await members.get('u4')!.request('muteLocal', { audio: true, video: false })).ok).toBe(true);
    for (const [uid, c] of members) if (uid !== 'u4') await c.waitEvent('mute-audio', (d) => d.uid === 'u4');
    expect((await members.get('u3')!.request('muteRemote', { userId: 'u4', screen: false, audio: true, video: false })).ok).toBe(true);

    await viewsMatch(room, members);
    expect((await view.room(room))!.subscriptions).toEqual(['u2>u0', 'u3>u4']);

    // u0 leaves from node 0: everyone else hears stream-removed then peer-leave; its subscribers lose it.
    expect((await members.get('u0')!.request('leave')).ok).toBe(true);
    members.delete('u0');
    for (const [, c] of members) {
      await c.waitEvent('peer-leave', (d) => d.uid === 'u0');
      const names = c.events().map((f) => f.event);
      expect(names.lastIndexOf('stream-removed')).toBeLessThan(names.lastIndexOf('peer-leave'));
    }
    await viewsMatch(room, members);
    expect((await view.room(room))!.subscriptions).toEqual(['u3>u4']);

    // Each client heard its events numbered 1, 2, 3, ...: none lost, none twice, in order.
    for (const [uid, c] of members) expect(seqs(c), uid).toEqual(seqs(c).map((_, i) => i + 1));
  });

  it('keeps one order of events per room for everyone, whichever node committed them', async () => {
    const room = 'order';
    const members = new Map<string, RawClient>();
    for (let i = 0; i < 3; i++) {
      const c = await connect(nodes[i]!);
      expect((await c.join(room, `p${i}`)).ok).toBe(true);
      members.set(`p${i}`, c);
    }
    const watcher = await connect(nodes[0]!);
    expect((await watcher.join(room, 'w', { visible: true })).ok).toBe(true);
    // Three publishers on three nodes mute and unmute at once, many times.
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        const c = members.get(`p${i}`)!;
        expect((await c.request('publish', { screen: false })).ok).toBe(true);
        for (let k = 0; k < 8; k++) await c.request('muteLocal', { audio: k % 2 === 0, video: false });
      }),
    );
    members.set('w', watcher);
    // Each publisher's last state (audio back on) is what everyone ends up seeing, as in Redis.
    await until(
      async () => (await view.room(room))!.streams.every((s) => s.audio),
      10_000,
      () => 'final state',
    );
    for (const [, c] of members) await c.sync();
    await viewsMatch(room, members);
    // Everyone heard the same events in the same order (the room's commit order).
    const order = (c: RawClient, self: string) =>
      c
        .events()
        .filter((f) => f.event !== 'peer-online' && f.data?.uid !== self)
        .map((f) => `${f.event}:${f.data?.uid}`);
    const w = order(watcher, 'w').filter((e) => !e.endsWith(':p0'));
    expect(order(members.get('p0')!, 'p0').filter((e) => !e.endsWith(':w'))).toEqual(w.filter((e) => !e.endsWith(':p0')));
  });

  it('shows the operators what clients reported on any node', async () => {
    const room = 'reports';
    const a = await connect(nodes[0]!);
    const b = await connect(nodes[2]!);
    expect((await a.join(room, 'ra')).ok).toBe(true);
    expect((await b.join(room, 'rb')).ok).toBe(true);
    expect((await a.request('report', { items: [{ kind: 'pusherState', at: 1, code: 1002, message: 'push ok' }] })).data.accepted).toBe(1);
    expect((await b.request('report', { items: [{ kind: 'playerNet', at: 2, uid: 'ra', info: { videoBitrate: 500 } }] })).data.accepted).toBe(1);
    const shared = new SharedReportStore(view.redis, {}, () => undefined);
    await until(
      async () => (await shared.queryCluster({ appId: APP_ID, roomId: room })).length === 2,
      5000,
      () => 'mirrored reports',
    );
    const all = await shared.queryCluster({ appId: APP_ID, roomId: room });
    expect(all.map((r) => [r.userId, r.streamUid, r.item.kind]).sort()).toEqual([
      ['ra', 'ra', 'pusherState'],
      ['rb', 'ra', 'playerNet'],
    ]);
    expect((await shared.queryCluster({ appId: APP_ID, userId: 'rb' })).length).toBe(1);
  });

  it('takes over across nodes: the same user joining on node 2 kicks its socket on node 0', async () => {
    const room = 'takeover';
    const a = await connect(nodes[0]!);
    const other = await connect(nodes[1]!);
    expect((await a.join(room, 'alice')).ok).toBe(true);
    expect((await other.join(room, 'bob')).ok).toBe(true);
    expect((await a.request('publish', { screen: false })).ok).toBe(true);
    await other.waitEvent('stream-added', (d) => d.uid === 'alice');

    const b = await connect(nodes[2]!);
    const r = await b.join(room, 'alice');
    expect(r.ok).toBe(true);
    expect(r.data.peers).toEqual(['bob']);
    const kicked = await a.waitEvent('disconnect');
    expect(kicked.data.code).toBe(CODES.KICKED);
    expect((await a.waitClose()).code).toBe(4001);
    // bob hears the old session's stream end, but no leave / online for a takeover.
    await other.waitEvent('stream-removed', (d) => d.uid === 'alice');
    await other.sync();
    expect(other.events('peer-leave')).toEqual([]);
    expect(other.events('peer-online').filter((f) => f.data.uid === 'alice')).toEqual([]);
    expect((await view.room(room))!.members).toEqual(['alice', 'bob']);
    // The new session works; the old one is gone.
    expect((await b.request('publish', { screen: false })).ok).toBe(true);
    await other.waitEvent('stream-added', (d) => d.uid === 'alice' && other.events('stream-added').length === 2);
  });
});
