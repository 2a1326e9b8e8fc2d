// Real media across nodes: two `serve --redis` processes, each with its embedded relay. The
// publisher pushes a real ffmpeg test pattern to its node's relay; a subscriber connected to
// the other node gets a play URL naming the relay that holds the stream, and ffprobe decodes
// audio and video from it. Unsubscribe and unpublish on either node end the play and the push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis, freePort } from '../../../test/support/redis.js';
import { RawClient } from '../support/client.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { ServeNode } from './support.js';

describe.runIf(needs(['redis-server', 'ffmpeg', 'ffprobe'], 'cluster media'))('media across nodes (real relays, real ffmpeg)', () => {
  let redis: TestRedis;
  let nodes: ServeNode[] = [];
  const relays: { rtmpPort: number; httpPort: number }[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    for (let i = 0; i < 2; i++) relays.push({ rtmpPort: await freePort(), httpPort: await freePort() });
    nodes = await Promise.all(relays.map((relay) => ServeNode.start(redis.url, { relay })));
  }, 60_000);

  afterAll(async () => {
    await killAll();
    for (const c of clients) c.ws.terminate();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  it('plays a stream pushed to node 0 for a subscriber on node 1, and ends it from node 1', async () => {
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    clients.push(a, b);
    expect((await a.join('media', 'pub')).ok).toBe(true);
    expect((await b.join('media', 'sub')).ok).toBe(true);
    const pushed = await a.request('publish', { screen: false });
    expect(new URL(pushed.data.url).port).toBe(String(relays[0]!.rtmpPort));
    const push = pushPattern(pushed.data.url, { seconds: 30 });

    const sub = await b.request('subscribe', { userId: 'pub', screen: false, audio: true, video: true });
    expect(sub.ok, JSON.stringify(sub.error)).toBe(true);
    // The play URL names node 0's relay, which holds the stream, though node 1 issued it.
    expect(new URL(sub.data.url).port).toBe(String(relays[0]!.rtmpPort));
    const player = playFrames(sub.data.url);
    await player.until((c) => c.video >= 10 && c.audio >= 10, 20_000, 'frames through node 0 for a node-1 subscriber');

    // Unsubscribing on node 1 ends the play on node 0's relay.
    expect((await b.request('unsubscribe', { userId: 'pub', screen: false })).ok).toBe(true);
    await player.exited;
    // Unpublishing ends the push.
    expect((await a.request('unpublish', { screen: false })).ok).toBe(true);
    await push.exited;
  });
});
