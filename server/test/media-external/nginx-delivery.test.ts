// What only the nginx-rtmp plane does with URLs: every stream lives under the one configured
// application. Delivery itself (decoding, tracks, streams kept apart) is the conformance suite's
// (../media/conformance/contract.ts), run on this plane by ../media/conformance/nginx.test.ts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { freshKey, inAMinute } from '../media/support/plane.js';
import { APP, startRig, type Rig } from './support/plane.js';

const HAVE = needs(['nginx', 'ffmpeg', 'ffprobe'], 'nginx-rtmp delivery');

let rig: Rig;
beforeAll(async () => {
  if (HAVE) rig = await startRig();
});
afterEach(() => killAll());
afterAll(() => rig?.stop());

describe.runIf(HAVE)('ExternalRelayPlane with nginx-rtmp: URLs', () => {
  it('push and play URLs name the configured application and the relay host; a push on one plays', async () => {
    const key = freshKey();
    const url = rig.plane.issuePushUrl(key, inAMinute());
    const playUrl = rig.plane.issuePlayUrl(key, 'viewer', { audio: true, video: true }, inAMinute());
    for (const u of [url, playUrl]) {
      expect(u.startsWith('rtmp://127.0.0.1:')).toBe(true);
      expect(new URL(u).pathname.split('/')[1]).toBe(APP);
    }
    const started = rig.eventFor(key, 'push-started');
    pushPattern(url, { seconds: 20 });
    expect(await started).toEqual({ type: 'push-started', key });
    await playFrames(playUrl).until((c) => c.video >= 15 && c.audio >= 15, 15_000, 'decoded video and audio');
  });
});
