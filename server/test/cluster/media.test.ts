// Real media across nodes: two `serve --redis` processes, each with its embedded relay. The
// publisher pushes a real ffmpeg test pattern to its node's relay; a subscriber connected to
// the other node gets a play URL naming the relay that holds the stream, and ffprobe decodes
// audio and video from it. Unsubscribe and unpublish on either node end the play and the push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis, freePort } from '../../../test/support/redis.js';
import { RawClient } from '../support/client.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { ServeNode, until } from './support.js';

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

  it('the node whose relay holds a stream is SIGKILLed: the stream fails, the publisher resumes and publishes on the other node, and it plays again', async () => {
    const ports = [
      { rtmpPort: await freePort(), httpPort: await freePort() },
      { rtmpPort: await freePort(), httpPort: await freePort() },
    ];
    const pair = await Promise.all(ports.map((relay) => ServeNode.start(redis.url, { relay, graceMs: 8000, ttlMs: 1500 })));
    nodes.push(...pair);
    const a = await RawClient.connect(pair[0]!.url);
    const b = await RawClient.connect(pair[1]!.url);
    clients.push(a, b);
    const ja = await a.join('failover', 'pub');
    expect((await b.join('failover', 'sub')).ok).toBe(true);
    const first = await a.request('publish', { screen: false });
    pushPattern(first.data.url, { seconds: 60 });
    const sub1 = await b.request('subscribe', { userId: 'pub', screen: false, audio: true, video: true });
    expect(sub1.ok, JSON.stringify(sub1.error)).toBe(true);
    await playFrames(sub1.data.url).until((c) => c.video >= 5, 20_000, 'frames before the crash');

    const last = a.lastSeq;
    await pair[0]!.kill();
    const a2 = await RawClient.connect(pair[1]!.url);
    clients.push(a2);
    expect((await a2.request('resume', { sessionId: ja.data.sessionId, resumeToken: ja.data.resumeToken, lastSeq: last })).ok).toBe(true);
    // Once node 0 is found dead, its relay's stream is failed: the publisher is told, the others see it go.
    await a2.waitEvent('stream-failed', (d) => d.uid === 'pub');
    await b.waitEvent('stream-removed', (d) => d.uid === 'pub');
    // Publish again: a URL for node 1's relay; when the push arrives, the stream is back.
    // Request ids go on across the session's sockets (a repeated id is a resend and gets its first answer).
    const again = await a2.requestWithId(100, 'publish', { screen: false });
    expect(again.ok, JSON.stringify(again.error)).toBe(true);
    expect(new URL(again.data.url).port).toBe(String(ports[1]!.rtmpPort));
    pushPattern(again.data.url, { seconds: 60 });
    await until(
      () => b.events('stream-added').length === 2,
      20_000,
      () => 'stream-added after the push to node 1',
    );
    const sub2 = await b.request('subscribe', { userId: 'pub', screen: false, audio: true, video: true });
    expect(sub2.ok, JSON.stringify(sub2.error)).toBe(true);
    expect(new URL(sub2.data.url).port).toBe(String(ports[1]!.rtmpPort));
    await playFrames(sub2.data.url).until((c) => c.video >= 5 && c.audio >= 5, 20_000, 'frames after the failover');
    // Nobody left the room.
    await b.sync();
    expect(b.events('peer-leave')).toEqual([]);
  });
});
