// The relay process killed (SIGKILL) during a call with a real ffmpeg pushing and a real player:
// signaling stays up, the publisher hears stream-failed and the subscriber stream-removed, the
// relay comes back on the same ports, and publishing again brings decodable media back.

import { afterAll, afterEach, expect, it } from 'vitest';
import { needs } from '../support/binaries.js';
import { connect } from 'node:net';
import { generateToken } from '../../server/src/token/index.js';
import { RawClient, type Frame } from '../../server/test/support/client.js';
import { killAll, playFrames, pushPattern } from '../../server/test/media/support/av.js';
import { alive, bystanderCall, relayPid, startServe, until, type Serve } from './support/rtmp-serve.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay crash during a call');

let s: Serve | null = null;
afterEach(() => killAll());
afterAll(async () => {
  await s?.stop();
});

/** The next event of that name after the `after` frames already seen. */
function eventAfter(c: RawClient, event: string, after: number): Promise<Frame> {
  return c.waitFor((f) => c.frames.indexOf(f) >= after && f.type === 'event' && f.event === event, `event ${event}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

it.runIf(HAVE)(
  'SIGKILL of the relay mid-call: stream-failed / stream-removed, the relay restarts, publishing again works and media flows',
  async () => {
    const serve = await startServe(['--relay-restart-delay-ms', '200']);
    s = serve;
    await until(() => relayPid(serve.pid) !== null, 'the relay process');
    const first = relayPid(serve.pid)!;
    const room = 'crash-call';
    const join = async (userId: string): Promise<RawClient> => {
      const c = await RawClient.connect(serve.url);
      const token = generateToken({ appId: serve.appId, appKey: serve.appKey, roomId: room, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
      expect((await c.request('join', { appId: serve.appId, token, roomId: room, userId, visible: true })).ok).toBe(true);
      return c;
    };
    const alice = await join('alice');
    const bob = await join('bob');

    const pub = await alice.request('publish', { screen: false });
    expect(pub.ok).toBe(true);
    const push = pushPattern(pub.data.url as string, { seconds: 120 });
    await bob.waitEvent('stream-added', (d: { uid: string }) => d.uid === 'alice');
    const sub = await bob.request('subscribe', { userId: 'alice' });
    expect(sub.ok).toBe(true);
    const player = playFrames(sub.data.url as string);
    await player.until((c) => c.video >= 10 && c.audio >= 10, 20_000, 'frames before the crash');

    const aliceSeen = alice.frames.length;
    const bobSeen = bob.frames.length;
    process.kill(first, 'SIGKILL');

    const failed = await eventAfter(alice, 'stream-failed', aliceSeen);
    expect(failed.data).toMatchObject({ uid: 'alice', screen: false });
    const removed = await eventAfter(bob, 'stream-removed', bobSeen);
    expect(removed.data).toMatchObject({ uid: 'alice', screen: false });
    expect(await push.exited).not.toBe(0);
    // Signaling never stopped: the same sockets answer, and a newcomer joins.
    await alice.sync();
    await bob.sync();
    const carol = await join('carol');
    expect(alive(serve.pid)).toBe(true);

    await until(() => {
      const pid = relayPid(serve.pid);
      return pid !== null && pid !== first;
    }, 'a new relay process');
    await until(() => portOpen(serve.rtmpPort), 'the RTMP port again');

    const aliceMark = alice.frames.length;
    const bobMark = bob.frames.length;
    const again = await alice.request('publish', { screen: false });
    expect(again.ok).toBe(true);
    pushPattern(again.data.url as string, { seconds: 60 });
    await eventAfter(bob, 'stream-added', bobMark);
    const resub = await bob.request('subscribe', { userId: 'alice' });
    expect(resub.ok).toBe(true);
    const player2 = playFrames(resub.data.url as string);
    await player2.until((c) => c.video >= 10 && c.audio >= 10, 20_000, 'frames after publishing again');
    expect(alice.events('stream-failed').length).toBe(1);
    expect(alice.frames.slice(aliceMark).some((f) => f.event === 'stream-failed')).toBe(false);
    // And a call in another room works on the new relay too.
    await bystanderCall(serve);
    carol.close();
    alice.close();
    bob.close();
    expect(serve.output()).toMatch(/relay-exit|relay process/);
  },
  90_000,
);
