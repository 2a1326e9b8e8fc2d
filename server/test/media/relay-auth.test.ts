// Who may push and play: every refusal is checked with a real ffmpeg/ffprobe against the real
// relay, next to a control that succeeds with the legitimate URL.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, playFrames, pushPattern } from './support/av.js';
import { freshKey, inAMinute, recordEvents, SECRET, sameKey } from './support/plane.js';
import type { StreamKey } from '../../src/media/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay authorisation');

const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET, pushTimeoutMs: 60_000 });
const events = recordEvents(plane);
beforeAll(async () => {
  if (HAVE) await plane.start();
});
afterEach(() => killAll());
afterAll(() => plane.stop());

const started = (key: StreamKey) => events.some((e) => e.type === 'push-started' && sameKey(e.key, key));

/** A short push; a refused one makes ffmpeg fail, an accepted one runs its 2 s and exits 0. */
async function tryPush(url: string): Promise<number | null> {
  return pushPattern(url, { seconds: 2 }).exited;
}

function withQuery(url: string, edit: (q: URLSearchParams) => void): string {
  const [base, query] = url.split('?') as [string, string];
  const params = new URLSearchParams(query);
  edit(params);
  return `${base}?${params.toString()}`;
}

describe.runIf(HAVE)('RelayMediaPlane authorisation', () => {
  it('accepts the issued push URL (control)', async () => {
    const key = freshKey();
    expect(await tryPush(plane.issuePushUrl(key, inAMinute()))).toBe(0);
    expect(started(key)).toBe(true);
  });

  it('refuses a push with a play URL, and a play with a push URL', async () => {
    const key = freshKey();
    const pushUrl = plane.issuePushUrl(key, inAMinute());
    const playUrl = plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute());
    expect(await tryPush(playUrl)).not.toBe(0);
    expect(started(key)).toBe(false);

    const live = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    pushPattern(pushUrl, { seconds: 10 });
    await live;
    const wrongPlayer = playFrames(pushUrl);
    const rightPlayer = playFrames(playUrl);
    await rightPlayer.until((c) => c.video >= 15, 15_000, 'legitimate player frames');
    expect(await wrongPlayer.exited).not.toBe(0);
    expect(wrongPlayer.counts).toEqual({ video: 0, audio: 0 });
  });

  it("refuses a push to another user's stream, and does not burn that user's URL", async () => {
    const mine = freshKey();
    const theirs = { ...mine, userId: 'someone.else' };
    const myUrl = plane.issuePushUrl(mine, inAMinute());
    const theirUrl = plane.issuePushUrl(theirs, inAMinute());
    const hijack = `${theirUrl.split('?')[0]}?${myUrl.split('?')[1]}`;
    expect(await tryPush(hijack)).not.toBe(0);
    expect(started(theirs)).toBe(false);
    expect(await tryPush(theirUrl)).toBe(0);
    expect(started(theirs)).toBe(true);
  });

  it('refuses expired push and play URLs', async () => {
    const key = freshKey();
    const past = Math.floor(Date.now() / 1000) - 5;
    expect(await tryPush(plane.issuePushUrl(key, past))).not.toBe(0);
    expect(started(key)).toBe(false);

    const live = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 10 });
    await live;
    const expired = playFrames(plane.issuePlayUrl(key, 'late', { audio: true, video: true }, past));
    const valid = playFrames(plane.issuePlayUrl(key, 'on-time', { audio: true, video: true }, inAMinute()));
    await valid.until((c) => c.video >= 15, 15_000, 'valid player frames');
    expect(await expired.exited).not.toBe(0);
    expect(expired.counts).toEqual({ video: 0, audio: 0 });
  });

  it('refuses forged signatures and edited parameters', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const forgedSig = withQuery(url, (q) => {
      const sig = q.get('sig')!;
      q.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    });
    const longer = withQuery(url, (q) => q.set('e', String(Number(q.get('e')) + 3600)));
    const noSig = withQuery(url, (q) => q.delete('sig'));
    for (const bad of [forgedSig, longer, noSig]) expect(await tryPush(bad)).not.toBe(0);
    expect(started(key)).toBe(false);

    const live = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    pushPattern(url, { seconds: 10 });
    await live;
    const playUrl = plane.issuePlayUrl(key, 'viewer', { audio: false, video: true }, inAMinute());
    const moreTracks = playFrames(withQuery(playUrl, (q) => q.set('m', 'av')));
    const otherViewer = playFrames(withQuery(playUrl, (q) => q.set('u', 'intruder')));
    const valid = playFrames(playUrl);
    await valid.until((c) => c.video >= 15, 15_000, 'valid player frames');
    expect(await moreTracks.exited).not.toBe(0);
    expect(await otherViewer.exited).not.toBe(0);
    expect(moreTracks.counts).toEqual({ video: 0, audio: 0 });
    expect(otherViewer.counts).toEqual({ video: 0, audio: 0 });
  });

  it('refuses a second publisher on a live stream, even with the right URL', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const live = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-started' && sameKey(e.key, key));
    const first = pushPattern(url, { seconds: 6 });
    await live;
    expect(await tryPush(url)).not.toBe(0);
    expect(await first.exited).toBe(0);
    expect(events.filter((e) => e.type === 'push-started' && sameKey(e.key, key))).toHaveLength(1);
  });
});
