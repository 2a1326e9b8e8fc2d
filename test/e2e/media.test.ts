// The whole path a mini-program takes, with real parts: the SDK runtime over wx.connectSocket,
// the real signaling server with the embedded RTMP relay, ffmpeg standing in for <live-pusher>
// (pushing to the URL publish() returned) and ffprobe for <live-player> (playing the URL
// subscribe() returned).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { RelayMediaPlane } from '../../server/src/media/relay/index.js';
import { killAll, playFrames, pushPattern } from '../../server/test/media/support/av.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch } from '../support/runtime-harness.js';
import { createTestWx } from '../support/wx.js';
import { needs } from '../support/binaries.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE_MEDIA_TOOLS = needs(['ffmpeg', 'ffprobe'], 'media through the SDK and the real relay');

let server: RunningServer;
const clients: ClientRuntime[] = [];
let room = 0;

beforeAll(async () => {
  if (!HAVE_MEDIA_TOOLS) return;
  (globalThis as { wx?: unknown }).wx = createTestWx();
  const media = new RelayMediaPlane({ secret: 'runtime-e2e-relay-secret', logLevel: 'silent', pushTimeoutMs: 1_500 });
  server = await startRealServer({ media });
});

afterAll(async () => {
  await server?.close();
  delete (globalThis as { wx?: unknown }).wx;
});

afterEach(async () => {
  await killAll();
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
});

async function joined(roomId: string, userId: string) {
  const rt = createRuntime({ server: server.url });
  clients.push(rt);
  const w = watch(rt, Object.values(EVENTS));
  await rt.init(E2E_APP_ID);
  await rt.join(mintToken(roomId, userId), roomId, userId);
  return { rt, w };
}

describe.runIf(HAVE_MEDIA_TOOLS)('media through the SDK and the real relay', () => {
  it('what one user publishes, another subscribes to and plays; unpublish ends it', async () => {
    const r = `media-${++room}`;
    const alice = await joined(r, 'alice');
    const bob = await joined(r, 'bob');

    const pushUrl = await alice.rt.publish();
    const push = pushPattern(pushUrl, { seconds: 30 });
    expect(await bob.w.next(EVENTS.STREAM_ADDED)).toMatchObject({ uid: 'alice', screen: false });

    const playUrl = await bob.rt.subscribe('alice', { audio: true, video: true });
    const player = playFrames(playUrl);
    await player.until((c) => c.video >= 10 && c.audio >= 10, 20_000, 'audio and video frames');

    // An audio-only subscription gets audio and no video.
    const carol = await joined(r, 'carol');
    const audioOnly = playFrames(await carol.rt.subscribe('alice', { audio: true, video: false }));
    await audioOnly.until((c) => c.audio >= 10, 20_000, 'audio frames');
    expect(audioOnly.counts.video).toBe(0);

    await alice.rt.unpublish();
    expect(await bob.w.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'alice', screen: false });
    // The relay ends the push and the plays with it.
    await push.exited;
    await player.exited;
  });

  it('a publish that never pushes gives STREAM_FAILED to the publisher, who can publish again', async () => {
    const r = `media-${++room}`;
    const alice = await joined(r, 'alice');
    await alice.rt.publish();
    const failed = await alice.w.next(EVENTS.STREAM_FAILED);
    expect(failed).toMatchObject({ uid: 'alice', screen: false });
    expect(typeof failed.reason).toBe('string');
    const again = await alice.rt.publish();
    expect(again).toMatch(/^rtmp:\/\//);
    expect(await alice.rt.publish().catch((e: { code: number }) => e.code)).toBe(ERROR_CODES.ALREADY_PUBLISHED);
  });

  it('a push that drops: STREAM_FAILED to the publisher, STREAM_REMOVED to the subscriber; a push to the same URL brings it back', async () => {
    const r = `media-${++room}`;
    const alice = await joined(r, 'alice');
    const bob = await joined(r, 'bob');
    const pushUrl = await alice.rt.publish();
    const push = pushPattern(pushUrl, { seconds: 60 });
    await bob.w.next(EVENTS.STREAM_ADDED);
    const player = playFrames(await bob.rt.subscribe('alice', { audio: true, video: true }));
    await player.until((c) => c.video >= 5, 20_000, 'video frames');

    // <live-pusher> losing its network: the push ends without anyone unpublishing.
    push.child.kill('SIGKILL');
    const failed = await alice.w.next(EVENTS.STREAM_FAILED);
    expect(failed).toMatchObject({ uid: 'alice', screen: false });
    expect(failed.reason).toMatch(/\S/);
    expect(await bob.w.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'alice', screen: false });
    await player.exited; // the server ended bob's play with the stream
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.subscriptions).toEqual([]);
    // Subscriber and server agree: no subscription is left, and the stream cannot be played.
    expect(await bob.rt.unsubscribe('alice', { screen: false }).catch((e: { code: number }) => e.code)).toBe(ERROR_CODES.NOT_SUBSCRIBED);
    expect(await bob.rt.subscribe('alice', { audio: true, video: true }).catch((e: { code: number }) => e.code)).toBe(ERROR_CODES.STREAM_NOT_PUBLISHED);

    // The pusher reconnecting with its still-valid URL.
    pushPattern(pushUrl, { seconds: 60 });
    expect(await bob.w.next(EVENTS.STREAM_ADDED)).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    const again = playFrames(await bob.rt.subscribe('alice', { audio: true, video: true }));
    await again.until((c) => c.video >= 5 && c.audio >= 5, 20_000, 'audio and video frames after the push came back');
    // The publisher heard STREAM_FAILED, so it may publish again: it gets the URL in use, which
    // keeps the live push (a new URL would cut it).
    expect(await alice.rt.publish()).toBe(pushUrl);
    const before = again.counts.video;
    await again.until((c) => c.video >= before + 5, 20_000, 'video frames after the retry');
  });
});
