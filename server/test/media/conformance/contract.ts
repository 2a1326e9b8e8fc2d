// The MediaPlane contract, once: who may push and play, what reaches a player, and what room
// state does to live media. Each plane (the embedded relay, nginx-rtmp behind ExternalRelayPlane)
// runs these same cases against its real server with real ffmpeg and ffprobe, from its own file
// (./relay.test.ts, ./nginx.test.ts). What only one plane does stays in that plane's suites.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaEvent, MediaPlane, StreamKey } from '../../../src/media/plane.js';
import { killAll, playFrames, pushPattern } from '../support/av.js';
import { freshKey, inAMinute } from '../support/plane.js';

/** One plane on its real server, as the contract drives it. */
export interface Rig {
  plane: MediaPlane & { capabilities?: { filtersTracks: boolean } };
  eventFor: (key: StreamKey, type: MediaEvent['type'], timeoutMs?: number) => Promise<MediaEvent>;
  /** Every event of the plane for one key, from now on. */
  record: (key: StreamKey) => MediaEvent[];
  /** Failures of the plane's calls into its server (nginx's control API); none expected. */
  controlErrors: Error[];
  stop: () => Promise<void>;
}

export type StartRig = (options: { pushTimeoutMs?: number }) => Promise<Rig>;

const both = { audio: true, video: true };

function edited(url: string, edit: (u: URL) => void): string {
  const u = new URL(url);
  edit(u);
  return u.toString();
}

/** The contract's cases on one plane (one rig for the file). */
export function planeContract(name: string, start: StartRig): void {
  let rig: Rig;
  beforeAll(async () => {
    // A URL issued early in a case may be pushed only after several refused attempts: a long
    // push timeout keeps it valid (pushTimeoutContract tests the timeout itself).
    rig = await start({ pushTimeoutMs: 60_000 });
  });
  afterEach(() => killAll());
  afterAll(() => rig?.stop());

  /** A short push: a refused one makes ffmpeg fail, an accepted one runs its seconds and exits 0. */
  const tryPush = (url: string) => pushPattern(url, { seconds: 2 }).exited;

  async function livePush(key: StreamKey, seconds: number) {
    const url = rig.plane.issuePushUrl(key, inAMinute());
    const started = rig.eventFor(key, 'push-started');
    const push = pushPattern(url, { seconds });
    expect(await started).toEqual({ type: 'push-started', key });
    return { push, url };
  }

  describe(`${name}: authorisation`, () => {
    it('the issued push URL pushes (push-started for exactly its key) and a player decodes video and audio', async () => {
      const key = freshKey();
      await livePush(key, 20);
      const player = playFrames(rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute()));
      await player.until((c) => c.video >= 15 && c.audio >= 15, 15_000, 'decoded video and audio');
    });

    it('a play URL does not push, and a push URL does not play', async () => {
      const key = freshKey();
      const events = rig.record(key);
      expect(await tryPush(rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute()))).not.toBe(0);
      expect(events).toEqual([]);

      const { url: pushUrl } = await livePush(key, 20);
      const asPlayer = playFrames(pushUrl);
      const player = playFrames(rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute()));
      await player.until((c) => c.video >= 15, 15_000, 'frames on the play URL');
      expect(await asPlayer.exited).not.toBe(0);
      expect(asPlayer.counts).toEqual({ video: 0, audio: 0 });
    });

    it("one user's push URL does not push another user's stream, nor burns that user's URL", async () => {
      const mine = freshKey();
      const theirs = { ...mine, userId: 'someone.else' };
      const myUrl = rig.plane.issuePushUrl(mine, inAMinute());
      const theirUrl = rig.plane.issuePushUrl(theirs, inAMinute());
      const events = rig.record(theirs);
      expect(await tryPush(edited(myUrl, (u) => (u.pathname = new URL(theirUrl).pathname)))).not.toBe(0);
      expect(events).toEqual([]);
      const started = rig.eventFor(theirs, 'push-started');
      expect(await tryPush(theirUrl)).toBe(0);
      await started;
    });

    it('expired, forged, extended and unsigned push URLs are refused; the untouched URL still pushes', async () => {
      const key = freshKey();
      const events = rig.record(key);
      expect(await tryPush(rig.plane.issuePushUrl(freshKey(), Math.floor(Date.now() / 1000) - 10))).not.toBe(0);
      const url = rig.plane.issuePushUrl(key, inAMinute());
      const forged = edited(url, (u) => {
        const sig = u.searchParams.get('sig')!;
        u.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
      });
      const extended = edited(url, (u) => u.searchParams.set('e', String(Number(u.searchParams.get('e')) + 3600)));
      const unsigned = edited(url, (u) => (u.search = ''));
      for (const bad of [forged, extended, unsigned]) expect(await tryPush(bad)).not.toBe(0);
      expect(events).toEqual([]);
      const started = rig.eventFor(key, 'push-started');
      expect(await tryPush(url)).toBe(0);
      await started;
    });

    it('expired and edited play URLs are refused while the issued one plays', async () => {
      const key = freshKey();
      await livePush(key, 20);
      const playUrl = rig.plane.issuePlayUrl(key, 'viewer', { audio: false, video: true }, inAMinute());
      const refused = [
        rig.plane.issuePlayUrl(key, 'late', both, Math.floor(Date.now() / 1000) - 5),
        edited(playUrl, (u) => u.searchParams.set('u', 'intruder')),
        edited(playUrl, (u) => u.searchParams.set('m', 'av')),
      ].map((url) => playFrames(url));
      await playFrames(playUrl).until((c) => c.video >= 15, 15_000, 'frames on the issued play URL');
      for (const p of refused) {
        expect(await p.exited).not.toBe(0);
        expect(p.counts).toEqual({ video: 0, audio: 0 });
      }
    });

    it('a new play URL for the same subscriber revokes the previous one', async () => {
      const key = freshKey();
      await livePush(key, 20);
      const first = rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute());
      const replacement = rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute());
      const old = playFrames(first);
      expect(await old.exited).not.toBe(0);
      expect(old.counts).toEqual({ video: 0, audio: 0 });
      await playFrames(replacement).until((c) => c.video >= 10, 15_000, 'frames on the replacement URL');
    });

    it('a second publisher with the right URL is refused while the first is live', async () => {
      const key = freshKey();
      const { push: first, url } = await livePush(key, 20);
      const events = rig.record(key);
      expect(await tryPush(url)).not.toBe(0);
      expect(events).toEqual([]);
      expect(first.child.exitCode).toBeNull();
    });
  });

  describe(`${name}: delivery`, () => {
    it('a player receives the tracks its URL grants (or both, on a plane that cannot filter tracks)', async () => {
      const key = freshKey();
      await livePush(key, 20);
      const filters = rig.plane.capabilities?.filtersTracks ?? true;
      const videoOnly = playFrames(rig.plane.issuePlayUrl(key, 'video', { audio: false, video: true }, inAMinute()));
      const audioOnly = playFrames(rig.plane.issuePlayUrl(key, 'audio', { audio: true, video: false }, inAMinute()));
      const full = playFrames(rig.plane.issuePlayUrl(key, 'full', both, inAMinute()));
      await videoOnly.until((c) => c.video >= 30, 15_000, 'video-only frames');
      await audioOnly.until((c) => c.audio >= 60, 15_000, 'audio-only frames');
      // The full player is the clock: by now the others would have had plenty of the other track.
      await full.until((c) => c.video >= 30 && c.audio >= 60, 15_000, 'full frames');
      if (filters) {
        expect(videoOnly.counts.audio).toBe(0);
        expect(audioOnly.counts.video).toBe(0);
      } else {
        expect(videoOnly.counts.audio).toBeGreaterThan(0); // the documented limit of such a plane
      }
    });

    it("keeps a user's main and screen streams, and other users' streams, apart", async () => {
      const main = freshKey();
      const screen = { ...main, screen: true };
      const other = { ...main, userId: main.userId + '_' };
      const urls = [main, screen, other].map((k) => rig.plane.issuePushUrl(k, inAMinute()).split('?')[0]);
      expect(new Set(urls).size).toBe(3);
      const strays = [rig.record(screen), rig.record(other)];
      await livePush(main, 20);
      const onScreen = playFrames(rig.plane.issuePlayUrl(screen, 'v', both, inAMinute()));
      const onOther = playFrames(rig.plane.issuePlayUrl(other, 'v', both, inAMinute()));
      await playFrames(rig.plane.issuePlayUrl(main, 'v', both, inAMinute())).until((c) => c.video >= 30, 15_000, 'main frames');
      expect(onScreen.counts).toEqual({ video: 0, audio: 0 });
      expect(onOther.counts).toEqual({ video: 0, audio: 0 });
      expect(strays.flat().filter((e) => e.type === 'push-started')).toEqual([]);
    });
  });

  describe(`${name}: room state drives media`, () => {
    it('endPush ends the push, reports push-stopped with the reason, and revokes the URL', async () => {
      const key = freshKey();
      const { push, url } = await livePush(key, 30);
      await playFrames(rig.plane.issuePlayUrl(key, 'viewer', both, inAMinute())).until((c) => c.video >= 10, 15_000, 'frames before endPush');
      const stopped = rig.eventFor(key, 'push-stopped');
      rig.plane.endPush(key, 'unpublished');
      expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'unpublished' });
      expect(await push.exited).not.toBe(0); // cut off long before its 30 s
      const events = rig.record(key);
      expect(await tryPush(url)).not.toBe(0);
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
      // 3 s, not 2: with nginx a 2 s retry here leaves the next case's reissue unable to drop its
      // publisher (its drop finds no session: a race in ExternalRelayPlane, reported to its owner).
      const retry = pushPattern(url, { seconds: 3 });
      await restarted;
      const finished = rig.eventFor(key, 'push-stopped');
      expect(await retry.exited).toBe(0);
      expect(await finished).toEqual({ type: 'push-stopped', key, reason: 'publisher disconnected' });
    });

    it('a new push URL for a stream revokes the previous one and ends its push', async () => {
      const key = freshKey();
      const { push, url: first } = await livePush(key, 30);
      const stopped = rig.eventFor(key, 'push-stopped');
      const second = rig.plane.issuePushUrl(key, inAMinute());
      expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'push URL reissued' });
      expect(await push.exited).not.toBe(0);
      expect(await tryPush(first)).not.toBe(0);
      expect(await tryPush(second)).toBe(0);
    });

    it('a paused subscriber receives nothing, not even by reconnecting, while another keeps receiving; resumed, its URL plays', async () => {
      const key = freshKey();
      await livePush(key, 40);
      const url = rig.plane.issuePlayUrl(key, 'muted', both, inAMinute());
      const muted = playFrames(url);
      const clock = playFrames(rig.plane.issuePlayUrl(key, 'clock', both, inAMinute()));
      await muted.until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames before pausing');
      await clock.until((c) => c.video >= 10, 15_000, 'frames on the other player');

      rig.plane.setPlayPaused(key, 'muted', true);
      // Let what was already on the wire drain, with the other player's frames as the clock.
      const settle = clock.counts.video + 30;
      await clock.until((c) => c.video >= settle, 15_000, 'settling');
      const frozen = { ...muted.counts };
      const reconnected = playFrames(url);
      const window = clock.counts.video + 30;
      await clock.until((c) => c.video >= window, 15_000, 'the paused window');
      expect(muted.counts).toEqual(frozen);
      expect(reconnected.counts).toEqual({ video: 0, audio: 0 });

      muted.child.kill('SIGKILL');
      reconnected.child.kill('SIGKILL');
      await Promise.all([muted.exited, reconnected.exited]);
      rig.plane.setPlayPaused(key, 'muted', false);
      await playFrames(url).until((c) => c.video >= 10 && c.audio >= 10, 15_000, 'frames after resuming');
      expect(rig.controlErrors).toEqual([]);
    });

    it('endPlay ends that play session and revokes its URL; other players are untouched', async () => {
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
}

/** The push timeout, on a rig of its own with a short one (a file of its own per plane). */
export function pushTimeoutContract(name: string, start: StartRig): void {
  const PUSH_TIMEOUT_MS = 1_500;
  let rig: Rig;
  beforeAll(async () => {
    rig = await start({ pushTimeoutMs: PUSH_TIMEOUT_MS });
  });
  afterEach(() => killAll());
  afterAll(() => rig?.stop());

  describe(`${name}: push timeout`, () => {
    it('reports push-timeout when no push arrives in time, and revokes the URL', async () => {
      const key = freshKey();
      const url = rig.plane.issuePushUrl(key, inAMinute());
      const timedOut = await rig.eventFor(key, 'push-timeout', PUSH_TIMEOUT_MS + 10_000);
      expect(timedOut).toEqual({ type: 'push-timeout', key, reason: `no push arrived within ${PUSH_TIMEOUT_MS} ms` });
      const events = rig.record(key);
      expect(await pushPattern(url, { seconds: 2 }).exited).not.toBe(0);
      expect(events).toEqual([]);
    });

    it('a push that starts in time gets no push-timeout', async () => {
      const key = freshKey();
      const events = rig.record(key);
      const stopped = rig.eventFor(key, 'push-stopped');
      // The push outlasts the timeout: a timer left running would fire during it.
      const push = pushPattern(rig.plane.issuePushUrl(key, inAMinute()), { seconds: 3 });
      expect(await push.exited).toBe(0);
      await stopped;
      expect(events.map((e) => e.type)).toEqual(['push-started', 'push-stopped']);
    });
  });
}
