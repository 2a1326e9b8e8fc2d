// The external relay for real: ffmpeg pushes to nginx-rtmp with a URL the plane issued, nginx
// asks the plane through its on_publish / on_play callbacks, and ffprobe decodes what it plays.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamKey } from '../../src/media/plane.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { freshKey, inAMinute } from '../media/support/plane.js';
import { startRig, type Rig } from './support/plane.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterEach(() => killAll());
afterAll(() => rig?.stop());

async function livePush(key: StreamKey, seconds: number) {
  const started = rig.eventFor(key, 'push-started');
  const push = pushPattern(rig.plane.issuePushUrl(key, inAMinute()), { seconds });
  await started;
  return push;
}

describe('ExternalRelayPlane with nginx-rtmp: delivery', () => {
  it('a push on the issued URL reports push-started and a player decodes its video and audio', async () => {
    const key = freshKey();
    const url = rig.plane.issuePushUrl(key, inAMinute());
    expect(url.startsWith(`rtmp://127.0.0.1:`)).toBe(true);
    expect(new URL(url).pathname.split('/')[1]).toBe('live');
    const started = rig.eventFor(key, 'push-started');
    pushPattern(url, { seconds: 20 });
    expect(await started).toEqual({ type: 'push-started', key });
    const player = playFrames(rig.plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute()));
    await player.until((c) => c.video >= 15 && c.audio >= 15, 15_000, 'decoded video and audio');
  });

  it('cannot filter tracks: a video-only subscriber still receives audio too (documented limit)', async () => {
    const key = freshKey();
    await livePush(key, 20);
    expect(rig.plane.capabilities.filtersTracks).toBe(false);
    const player = playFrames(rig.plane.issuePlayUrl(key, 'viewer', { audio: false, video: true }, inAMinute()));
    await player.until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'both tracks');
  });

  it('keeps the main and screen streams of one user apart', async () => {
    const main = freshKey();
    const screen = { ...main, screen: true };
    await livePush(main, 20);
    const screenPlayer = playFrames(rig.plane.issuePlayUrl(screen, 'viewer', { audio: true, video: true }, inAMinute()));
    const mainPlayer = playFrames(rig.plane.issuePlayUrl(main, 'viewer', { audio: true, video: true }, inAMinute()));
    await mainPlayer.until((c) => c.video >= 15, 15_000, 'main stream frames');
    // Nobody pushes the screen stream: its player gets nothing.
    expect(screenPlayer.counts).toEqual({ video: 0, audio: 0 });
  });
});
