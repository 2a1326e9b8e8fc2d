// Real ffmpeg pushes a test pattern with a tone through the embedded relay; real ffprobe players
// decode what each play URL delivers.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, playFrames, pushPattern } from './support/av.js';
import { freshKey, inAMinute, recordEvents, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay delivery');

const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET });
const events = recordEvents(plane);
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

  it('delivers only the tracks each play URL grants', async () => {
    const key = freshKey({ screen: true });
    const started = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 12 });
    await started;
    const both = playFrames(plane.issuePlayUrl(key, 'both', { audio: true, video: true }, inAMinute()));
    const videoOnly = playFrames(plane.issuePlayUrl(key, 'video', { audio: false, video: true }, inAMinute()));
    const audioOnly = playFrames(plane.issuePlayUrl(key, 'audio', { audio: true, video: false }, inAMinute()));
    const neither = playFrames(plane.issuePlayUrl(key, 'neither', { audio: false, video: false }, inAMinute()));
    const videoOnlyFlv = playFrames(plane.issuePlayUrls(key, 'video-flv', { audio: false, video: true }, inAMinute()).flv!);

    await videoOnly.until((c) => c.video >= 30, 15_000, 'video-only frames');
    await audioOnly.until((c) => c.audio >= 60, 15_000, 'audio-only frames');
    await videoOnlyFlv.until((c) => c.video >= 30, 15_000, 'video-only FLV frames');
    // The full player is the clock: by now the others would have had plenty of the other track.
    await both.until((c) => c.video >= 30 && c.audio >= 60, 15_000, 'full frames');
    expect(videoOnly.counts.audio).toBe(0);
    expect(videoOnlyFlv.counts.audio).toBe(0);
    expect(audioOnly.counts.video).toBe(0);
    expect(neither.counts).toEqual({ video: 0, audio: 0 });
  });

  it('keeps streams of different users and of main/screen apart', async () => {
    const main = freshKey();
    const screen = { ...main, screen: true };
    const other = { ...main, userId: main.userId + '_' };
    const url = plane.issuePushUrl(main, inAMinute());
    expect(new Set([url, plane.issuePushUrl(screen, inAMinute()), plane.issuePushUrl(other, inAMinute())].map((u) => u.split('?')[0])).size).toBe(3);
    const started = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, main));
    pushPattern(url, { seconds: 8 });
    await started;
    const onMain = playFrames(plane.issuePlayUrl(main, 'v', { audio: true, video: true }, inAMinute()));
    const onScreen = playFrames(plane.issuePlayUrl(screen, 'v', { audio: true, video: true }, inAMinute()));
    const onOther = playFrames(plane.issuePlayUrl(other, 'v', { audio: true, video: true }, inAMinute()));
    await onMain.until((c) => c.video >= 30, 15_000, 'main frames');
    expect(onScreen.counts).toEqual({ video: 0, audio: 0 });
    expect(onOther.counts).toEqual({ video: 0, audio: 0 });
    expect(events.some((e) => e.type === 'push-started' && (sameKey(e.key, screen) || sameKey(e.key, other)))).toBe(false);
  });
});
