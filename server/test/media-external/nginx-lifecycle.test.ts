// Room state drives media on nginx-rtmp: endPush and endPlay drop live sessions through the
// rtmp_control module and revoke their URLs; pausing drops one player and refuses it until resumed.

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
  const url = rig.plane.issuePushUrl(key, inAMinute());
  const started = rig.eventFor(key, 'push-started');
  const push = pushPattern(url, { seconds });
  await started;
  return { push, url };
}

const both = { audio: true, video: true };

describe('ExternalRelayPlane with nginx-rtmp: lifecycle', () => {
  it('endPush drops the publisher, reports push-stopped with the reason, and revokes the URL', async () => {
    const key = freshKey();
    const { push, url } = await livePush(key, 30);
    const player = playFrames(rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute()));
    await player.until((c) => c.video >= 10, 15_000, 'frames before endPush');

    const stopped = rig.eventFor(key, 'push-stopped');
    rig.plane.endPush(key, 'unpublished');
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'unpublished' });
    // Cut off long before its 30 s: ffmpeg fails instead of finishing.
    expect(await push.exited).not.toBe(0);

    const events = rig.record(key);
    expect(await pushPattern(url, { seconds: 3 }).exited).not.toBe(0);
    expect(events).toEqual([]);
    expect(rig.controlErrors).toEqual([]);
  });

  it('reports push-stopped when the publisher goes away, and its URL lets it reconnect', async () => {
    const key = freshKey();
    const { push, url } = await livePush(key, 30);
    const stopped = rig.eventFor(key, 'push-stopped');
    push.child.kill('SIGKILL');
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'publisher disconnected' });

    const restarted = rig.eventFor(key, 'push-started');
    const retry = pushPattern(url, { seconds: 3 });
    await restarted;
    const finished = rig.eventFor(key, 'push-stopped');
    expect(await retry.exited).toBe(0);
    expect(await finished).toEqual({ type: 'push-stopped', key, reason: 'publisher disconnected' });
  });

  it('a new push URL for a stream revokes the previous one and drops its push', async () => {
    const key = freshKey();
    const { push, url: first } = await livePush(key, 30);
    const stopped = rig.eventFor(key, 'push-stopped');
    const second = rig.plane.issuePushUrl(key, inAMinute());
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'push URL reissued' });
    expect(await push.exited).not.toBe(0);
    expect(await pushPattern(first, { seconds: 3 }).exited).not.toBe(0);
    expect(await pushPattern(second, { seconds: 3 }).exited).toBe(0);
  });

  it('pausing drops that player while another keeps receiving; it is refused until resumed, then plays again', async () => {
    const key = freshKey();
    await livePush(key, 40);
    const url = rig.plane.issuePlayUrl(key, 'muted', both, inAMinute());
    const muted = playFrames(url);
    const other = playFrames(rig.plane.issuePlayUrl(key, 'other', both, inAMinute()));
    await muted.until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames before pausing');
    await other.until((c) => c.video >= 10, 15_000, 'frames on the other player');

    rig.plane.setPlayPaused(key, 'muted', true);
    await muted.exited;
    const after = other.counts.video + 30;
    await other.until((c) => c.video >= after, 15_000, 'the other player still receiving');

    // The player's own reconnect with its URL is refused while paused.
    const whilePaused = playFrames(url);
    expect(await whilePaused.exited).not.toBe(0);
    expect(whilePaused.counts).toEqual({ video: 0, audio: 0 });

    rig.plane.setPlayPaused(key, 'muted', false);
    await playFrames(url).until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames after resuming');
    expect(rig.controlErrors).toEqual([]);
  });

  it('endPlay drops the player and revokes its URL; other players are untouched', async () => {
    const key = freshKey();
    await livePush(key, 30);
    const url = rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute());
    const player = playFrames(url);
    const clock = playFrames(rig.plane.issuePlayUrl(key, 'clock', both, inAMinute()));
    await player.until((c) => c.video >= 10, 15_000, 'frames before endPlay');
    rig.plane.endPlay(key, 'viewer');
    await player.exited;
    const again = playFrames(url);
    expect(await again.exited).not.toBe(0);
    expect(again.counts).toEqual({ video: 0, audio: 0 });
    const more = clock.counts.video + 15;
    await clock.until((c) => c.video >= more, 15_000, 'the other player still receiving');
    expect(rig.controlErrors).toEqual([]);
  });
});
