// What only the nginx-rtmp plane does with a paused subscriber: nginx cannot hold a player's
// session open without sending, so pausing drops the connection (rtmp_control) and refuses the
// URL until resumed. Everything else room state does to media is the conformance suite's
// (../media/conformance/contract.ts), run on this plane by ../media/conformance/nginx.test.ts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { freshKey, inAMinute } from '../media/support/plane.js';
import { startRig, type Rig } from './support/plane.js';

const HAVE = needs(['nginx', 'ffmpeg', 'ffprobe'], 'nginx-rtmp lifecycle');

let rig: Rig;
beforeAll(async () => {
  if (HAVE) rig = await startRig();
});
afterEach(() => killAll());
afterAll(() => rig?.stop());

const both = { audio: true, video: true };

describe.runIf(HAVE)('ExternalRelayPlane with nginx-rtmp: pausing', () => {
  it('pausing drops that player (capabilities.pauseKeepsConnection is false) while another keeps receiving', async () => {
    expect(rig.plane.capabilities.pauseKeepsConnection).toBe(false);
    const key = freshKey();
    const started = rig.eventFor(key, 'push-started');
    pushPattern(rig.plane.issuePushUrl(key, inAMinute()), { seconds: 30 });
    await started;
    const muted = playFrames(rig.plane.issuePlayUrl(key, 'muted', both, inAMinute()));
    const other = playFrames(rig.plane.issuePlayUrl(key, 'other', both, inAMinute()));
    await muted.until((c) => c.video >= 10, 15_000, 'frames before pausing');
    rig.plane.setPlayPaused(key, 'muted', true);
    await muted.exited; // dropped, not frozen
    const after = other.counts.video + 30;
    await other.until((c) => c.video >= after, 15_000, 'the other player still receiving');
    expect(rig.controlErrors).toEqual([]);
  });
});
