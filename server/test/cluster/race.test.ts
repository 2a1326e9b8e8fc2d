// Limits hold across nodes: 57 clients spread over three `serve --redis` processes (19 each, so
// no node alone can fill the room) join one room at the same instant, and exactly 20 visible get
// in; then all 20 publish at once, and exactly 8 do. Redis holds what the answers say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { TestRedis } from '../../../test/support/redis.js';
import { needs } from '../../../test/support/binaries.js';
import { RawClient } from '../support/client.js';
import { RedisView, ServeNode } from './support.js';

describe.runIf(needs(['redis-server'], 'cluster race'))('limits across three nodes', () => {
  let redis: TestRedis;
  let nodes: ServeNode[] = [];
  let view: RedisView;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    nodes = await Promise.all([0, 1, 2].map(() => ServeNode.start(redis.url)));
    view = new RedisView(redis.url);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(nodes.map((n) => n.stop()));
    view?.close();
    await redis?.stop();
  });

  it('57 joins at once from three nodes: exactly 20 visible get in, the rest ROOM_FULL; 20 publish at once: exactly 8', async () => {
    const room = 'race';
    const socks = await Promise.all(Array.from({ length: 57 }, (_, i) => RawClient.connect(nodes[i % 3]!.url)));
    clients.push(...socks);
    // Every socket is open before the first join is sent: the joins land together. Which node's
    // joins win is up to the scheduler; with 19 per node, 20 winners span nodes either way, so the
    // limit can only hold if the nodes count together.
    const answers = await Promise.all(socks.map((c, i) => c.join(room, `u${i}`)));
    const inside = answers.flatMap((a, i) => (a.ok ? [i] : []));
    expect(inside.length).toBe(20);
    expect(answers.filter((a) => !a.ok).map((a) => a.error!.code)).toEqual(Array(37).fill(CODES.ROOM_FULL));
    const r = await view.room(room);
    expect(r!.visible).toEqual(inside.map((i) => `u${i}`).sort());

    const pubs = await Promise.all(inside.map((i) => socks[i]!.request('publish', { screen: false })));
    expect(pubs.filter((p) => p.ok).length).toBe(8);
    expect(pubs.filter((p) => !p.ok).map((p) => p.error!.code)).toEqual(Array(12).fill(CODES.PUBLISHER_LIMIT));
    expect((await view.room(room))!.streams.length).toBe(8);

    // Everyone inside hears exactly the 8 streams that were admitted.
    const published = inside
      .filter((_, k) => pubs[k]!.ok)
      .map((i) => `u${i}`)
      .sort();
    for (const i of inside) {
      const c = socks[i]!;
      for (const uid of published) if (uid !== `u${i}`) await c.waitEvent('stream-added', (d) => d.uid === uid);
      await c.sync();
      expect(
        c
          .events('stream-added')
          .map((f) => f.data.uid)
          .sort(),
      ).toEqual(published.filter((u) => u !== `u${i}`));
    }
  });

  it('invisible users count apart: a full room still admits them', async () => {
    const room = 'race-invisible';
    const socks = await Promise.all(Array.from({ length: 24 }, (_, i) => RawClient.connect(nodes[i % 3]!.url)));
    clients.push(...socks);
    const answers = await Promise.all(socks.map((c, i) => c.join(room, `v${i}`, { visible: i % 4 !== 0 })));
    // 6 invisible all get in; of 18 visible, 18 fit under 20.
    expect(answers.every((a) => a.ok)).toBe(true);
    const r = await view.room(room);
    expect(r!.members.length).toBe(24);
    expect(r!.visible.length).toBe(18);
  });
});
