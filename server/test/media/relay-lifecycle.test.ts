// Room state drives media: pause/resume one subscriber, end a push, end a play, and the events
// the plane reports when a push goes away.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import type { MediaEvent, StreamKey } from '../../src/media/plane.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, playFrames, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay lifecycle');

// Pushes here start well within the default push timeout; relay-timeout.test.ts tests the timeout.
const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET });
beforeAll(async () => {
  if (HAVE) await plane.start();
});
afterEach(() => killAll());
afterAll(() => plane.stop());

const subscribe = plane.onEvent.bind(plane);
const eventFor = (key: StreamKey, type: MediaEvent['type'], timeoutMs?: number) =>
  nextEvent(subscribe, (e) => e.type === type && sameKey(e.key, key), timeoutMs);

/** Starts a push and waits until the relay reports it. */
async function livePush(key: StreamKey, seconds: number) {
  const started = eventFor(key, 'push-started');
  const push = pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds });
  await started;
  return push;
}

describe.runIf(HAVE)('RelayMediaPlane lifecycle', () => {
  it('setPlayPaused stops delivery to one subscriber while another keeps receiving, then resumes', async () => {
    const key = freshKey();
    await livePush(key, 30);
    const muted = playFrames(plane.issuePlayUrl(key, 'muted', { audio: true, video: true }, inAMinute()));
    const other = playFrames(plane.issuePlayUrl(key, 'other', { audio: true, video: true }, inAMinute()));
    await muted.until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames before pausing');
    await other.until((c) => c.video >= 10, 15_000, 'frames on the other player');

    plane.setPlayPaused(key, 'muted', true);
    // Let what was already on the wire drain, using the other player's frames as the clock.
    const settle = other.counts.video + 30;
    await other.until((c) => c.video >= settle, 15_000, 'settling');
    const frozen = { ...muted.counts };
    const window = other.counts.video + 30;
    await other.until((c) => c.video >= window, 15_000, 'the paused window');
    expect(muted.counts).toEqual(frozen);

    plane.setPlayPaused(key, 'muted', false);
    await muted.until((c) => c.video >= frozen.video + 15 && c.audio >= frozen.audio + 15, 15_000, 'frames after resuming');
  });

  it('a paused subscriber that reconnects with its URL stays paused', async () => {
    const key = freshKey();
    await livePush(key, 20);
    const url = plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute());
    plane.setPlayPaused(key, 'viewer', true);
    const paused = playFrames(url);
    const clock = playFrames(plane.issuePlayUrl(key, 'clock', { audio: true, video: true }, inAMinute()));
    await clock.until((c) => c.video >= 30, 15_000, 'clock frames');
    expect(paused.counts).toEqual({ video: 0, audio: 0 });
    plane.setPlayPaused(key, 'viewer', false);
    await paused.until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames after resuming');
  });

  it('endPush ends the push, reports push-stopped with the reason, and revokes the URL', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const started = eventFor(key, 'push-started');
    const push = pushPattern(url, { seconds: 30 });
    await started;
    const player = playFrames(plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute()));
    await player.until((c) => c.video >= 10, 15_000, 'frames before endPush');

    const stopped = eventFor(key, 'push-stopped');
    plane.endPush(key, 'unpublished');
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'unpublished' });
    // Cut off long before its 30 s: ffmpeg fails instead of finishing.
    expect(await push.exited).not.toBe(0);

    const again: MediaEvent[] = [];
    const off = subscribe((e) => sameKey(e.key, key) && again.push(e));
    expect(await pushPattern(url, { seconds: 2 }).exited).not.toBe(0);
    off();
    expect(again).toEqual([]);
  });

  it('reports push-stopped when the publisher goes away, and the URL still lets it reconnect', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const started = eventFor(key, 'push-started');
    const push = pushPattern(url, { seconds: 30 });
    await started;
    const stopped = eventFor(key, 'push-stopped');
    push.child.kill('SIGKILL');
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'publisher disconnected' });

    const restarted = eventFor(key, 'push-started');
    const retry = pushPattern(url, { seconds: 2 });
    await restarted;
    const finished = eventFor(key, 'push-stopped');
    expect(await retry.exited).toBe(0);
    expect((await finished).type).toBe('push-stopped');
  });

  it('a new push URL for a stream revokes the previous one and ends its push', async () => {
    const key = freshKey();
    const first = plane.issuePushUrl(key, inAMinute());
    const started = eventFor(key, 'push-started');
    const push = pushPattern(first, { seconds: 30 });
    await started;
    const stopped = eventFor(key, 'push-stopped');
    const second = plane.issuePushUrl(key, inAMinute());
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'push URL reissued' });
    expect(await push.exited).not.toBe(0);
    expect(await pushPattern(first, { seconds: 2 }).exited).not.toBe(0);
    expect(await pushPattern(second, { seconds: 2 }).exited).toBe(0);
  });

  it('endPlay ends the play session and revokes its URL', async () => {
    const key = freshKey();
    await livePush(key, 20);
    const url = plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute());
    const player = playFrames(url);
    const clock = playFrames(plane.issuePlayUrl(key, 'clock', { audio: true, video: true }, inAMinute()));
    await player.until((c) => c.video >= 10, 15_000, 'frames before endPlay');
    plane.endPlay(key, 'viewer');
    await player.exited;
    const again = playFrames(url);
    expect(await again.exited).not.toBe(0);
    expect(again.counts).toEqual({ video: 0, audio: 0 });
    // The other subscriber is untouched.
    const more = clock.counts.video + 15;
    await clock.until((c) => c.video >= more, 15_000, 'the other player still receiving');
  });
});
