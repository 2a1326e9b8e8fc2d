// The operators' view of a cluster: two nodes on one real redis-server, the admin port on one of
// them. Rooms, reports and admin actions reach users connected to the other node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { startServer, type RunningServer } from '../../src/signaling/server.js';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis } from '../../../test/support/redis.js';
import { APP_ID, APP_KEY, RawClient } from '../support/client.js';
import { SECRET, http } from './support.js';

describe.runIf(needs(['redis-server'], 'the ops cluster test'))('admin port on a cluster node', () => {
  let redis: TestRedis;
  const nodes: RunningServer[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    for (const admin of [{ port: 0, secret: SECRET, metrics: true }, undefined]) {
      nodes.push(await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY }, redis: redis.url, ...(admin ? { admin } : {}) }));
    }
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    for (const n of nodes) await n.close();
    await redis?.stop();
  });

  it("lists rooms, shows reports and removes users of every node from one node's admin API", async () => {
    const [a, b] = nodes as [RunningServer, RunningServer];
    const base = a.admin!.url.replace(/\/$/, '');
    const connect = async (n: RunningServer) => {
      const c = await RawClient.connect(n.url);
      clients.push(c);
      return c;
    };
    const alice = await connect(a);
    const bob = await connect(b);
    expect((await alice.join('croom', 'alice')).ok).toBe(true);
    expect((await bob.join('croom', 'bob')).ok).toBe(true);
    // bob (on the other node) reports; node a's admin API shows it.
    await bob.request('report', { items: [{ kind: 'playerNet', at: 5, uid: 'alice', info: { videoBitrate: 321 } }] });
    const room = `/admin/api/apps/${APP_ID}/rooms/croom`;
    expect((await http(base, 'GET', room)).json.members.map((m: { userId: string }) => m.userId).sort()).toEqual(['alice', 'bob']);
    await expect
      .poll(async () => (await http(base, 'GET', `${room}/reports`)).json.series, { timeout: 10_000 })
      .toEqual([
        { userId: 'bob', streamUid: 'alice', side: 'player', net: [{ at: 5, receivedAt: expect.any(Number), info: { videoBitrate: 321 } }], states: [] },
      ]);
    // Removing bob from node a reaches bob's socket on node b.
    expect((await http(base, 'DELETE', `${room}/members/bob`)).status).toBe(200);
    expect((await bob.waitEvent('disconnect')).data.code).toBe(CODES.KICKED);
    expect((await alice.waitEvent('peer-leave')).data).toEqual({ uid: 'bob', reason: 'kicked' });
    expect((await http(base, 'GET', room)).json.members.map((m: { userId: string }) => m.userId)).toEqual(['alice']);
  });
});
