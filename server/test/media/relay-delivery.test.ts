// What only the embedded relay delivers: HTTP-FLV next to RTMP, with the same track filtering.
// The delivery every plane owes (RTMP, granted tracks, streams kept apart) is the conformance
// suite's (conformance/contract.ts).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, playFrames, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay delivery');

const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET });
beforeAll(async () => {
  if (HAVE) await plane.start();
});
afterEach(() => killAll());
afterAll(() => plane.stop());

describe.runIf(HAVE)('RelayMediaPlane delivery', () => {
  it('a pushed stream reaches RTMP and HTTP-FLV players as decodable video and audio', async () => {
    const key = freshKey();
    const started = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    const push = pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 5 });
    await started;
    const urls = plane.issuePlayUrls(key, 'viewer@1', { audio: true, video: true }, inAMinute());
    expect(urls.rtmp).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\?/);
    expect(urls.flv).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\.flv\?/);
    const rtmp = playFrames(urls.rtmp);
    const flv = playFrames(urls.flv!);
    await rtmp.until((c) => c.video >= 20 && c.audio >= 20, 15_000, 'RTMP frames');
    await flv.until((c) => c.video >= 20 && c.audio >= 20, 15_000, 'HTTP-FLV frames');
    expect(await push.exited).toBe(0);
  });

  it('HTTP-FLV delivers only the tracks its URL grants; a URL granting neither gets nothing', async () => {
    const key = freshKey({ screen: true });
    const started = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 12 });
    await started;
    const both = playFrames(plane.issuePlayUrls(key, 'both', { audio: true, video: true }, inAMinute()).flv!);
    const videoOnlyFlv = playFrames(plane.issuePlayUrls(key, 'video-flv', { audio: false, video: true }, inAMinute()).flv!);
    const neither = playFrames(plane.issuePlayUrl(key, 'neither', { audio: false, video: false }, inAMinute()));

    await videoOnlyFlv.until((c) => c.video >= 30, 15_000, 'video-only FLV frames');
    // The full player is the clock: by now the others would have had plenty of the other track.
    await both.until((c) => c.video >= 30 && c.audio >= 60, 15_000, 'full frames');
    expect(videoOnlyFlv.counts.audio).toBe(0);
    expect(neither.counts).toEqual({ video: 0, audio: 0 });
  });
});
