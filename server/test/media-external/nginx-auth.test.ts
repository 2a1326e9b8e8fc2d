// Who may push and play through nginx-rtmp: only the holder of the current, unexpired, untouched
// URL for that purpose and that stream. A refused ffmpeg or ffprobe fails; a granted one would
// exit 0 after its few seconds, so every refusal here is observed, not assumed.

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

/** Pushes to url for a few seconds; resolves with ffmpeg's exit code. */
const tryPush = (url: string) => pushPattern(url, { seconds: 3 }).exited;

async function livePush(key: StreamKey, seconds: number) {
  const started = rig.eventFor(key, 'push-started');
  const push = pushPattern(rig.plane.issuePushUrl(key, inAMinute()), { seconds });
  await started;
  return push;
}

describe('ExternalRelayPlane with nginx-rtmp: authorisation', () => {
  it('a play URL does not push', async () => {
    const key = freshKey();
    rig.plane.issuePushUrl(key, inAMinute());
    const events = rig.record(key);
    expect(await tryPush(rig.plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute()))).not.toBe(0);
    expect(events).toEqual([]);
  });

  it("one user's push URL does not push another user's stream", async () => {
    const alice = freshKey();
    const bob = { ...alice, userId: 'bob' };
    const aliceUrl = new URL(rig.plane.issuePushUrl(alice, inAMinute()));
    const bobUrl = new URL(rig.plane.issuePushUrl(bob, inAMinute()));
    const events = rig.record(bob);
    aliceUrl.pathname = bobUrl.pathname;
    expect(await tryPush(aliceUrl.toString())).not.toBe(0);
    expect(events).toEqual([]);
  });

  it('expired, forged and edited push URLs are refused; the untouched URL still pushes', async () => {
    const key = freshKey();
    const expiredKey = freshKey();
    const expired = rig.plane.issuePushUrl(expiredKey, Math.floor(Date.now() / 1000) - 10);
    expect(await tryPush(expired)).not.toBe(0);

    const url = new URL(rig.plane.issuePushUrl(key, inAMinute()));
    const forged = new URL(url);
    const sig = forged.searchParams.get('sig') as string;
    forged.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect(await tryPush(forged.toString())).not.toBe(0);
    const later = new URL(url);
    later.searchParams.set('e', String(Number(url.searchParams.get('e')) + 3600));
    expect(await tryPush(later.toString())).not.toBe(0);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect(await tryPush(unsigned.toString())).not.toBe(0);

    // None of that burned the owner's URL.
    const started = rig.eventFor(key, 'push-started');
    expect(await tryPush(url.toString())).toBe(0);
    await started;
  });

  it('a push URL does not play, and an edited or replaced play URL is refused', async () => {
    const key = freshKey();
    const pushUrl = rig.plane.issuePushUrl(key, inAMinute());
    const started = rig.eventFor(key, 'push-started');
    pushPattern(pushUrl, { seconds: 20 });
    await started;

    const asPlayer = playFrames(pushUrl);
    expect(await asPlayer.exited).not.toBe(0);
    expect(asPlayer.counts).toEqual({ video: 0, audio: 0 });

    const playUrl = new URL(rig.plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute()));
    const otherSubscriber = new URL(playUrl);
    otherSubscriber.searchParams.set('u', 'someone-else');
    const edited = playFrames(otherSubscriber.toString());
    expect(await edited.exited).not.toBe(0);
    expect(edited.counts).toEqual({ video: 0, audio: 0 });

    // A new URL for the same subscriber revokes the first one.
    const replacement = rig.plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute());
    const old = playFrames(playUrl.toString());
    expect(await old.exited).not.toBe(0);
    expect(old.counts).toEqual({ video: 0, audio: 0 });
    await playFrames(replacement).until((c) => c.video >= 10, 15_000, 'frames on the replacement URL');
  });

  it('a second publisher with the right URL is refused while the first is live', async () => {
    const key = freshKey();
    const url = rig.plane.issuePushUrl(key, inAMinute());
    const started = rig.eventFor(key, 'push-started');
    const first = pushPattern(url, { seconds: 20 });
    await started;
    const events = rig.record(key);
    expect(await tryPush(url)).not.toBe(0);
    expect(events).toEqual([]);
    expect(first.child.exitCode).toBeNull();
  });
});
