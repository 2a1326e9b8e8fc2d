// What only the embedded relay does with room state: a paused subscriber keeps its connection
// and resumes on it. endPush, endPlay, a publisher going away, a reissued push URL and what every
// plane owes a paused subscriber are the conformance suite's (conformance/contract.ts).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import type { MediaEvent, StreamKey } from '../../src/media/plane.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, playFrames, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay lifecycle');

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

  it('a paused subscriber that reconnects with its URL stays paused, and resumes on that connection', async () => {
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
});
