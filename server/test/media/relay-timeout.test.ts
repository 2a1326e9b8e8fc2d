// An issued push URL that nobody uses: 'push-timeout', and the URL is revoked. A plane of its own
// with a short timeout.

import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { killAll, nextEvent, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay push timeout');

const PUSH_TIMEOUT_MS = 1_500;
const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET, pushTimeoutMs: PUSH_TIMEOUT_MS });
beforeAll(async () => {
  if (HAVE) await plane.start();
});
afterEach(() => killAll());
afterAll(() => plane.stop());

it.runIf(HAVE)('reports push-timeout when no push arrives in time, and revokes the URL', async () => {
  const key = freshKey();
  const url = plane.issuePushUrl(key, inAMinute());
  const timedOut = await nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-timeout' && sameKey(e.key, key), PUSH_TIMEOUT_MS + 10_000);
  expect(timedOut).toEqual({ type: 'push-timeout', key, reason: `no push arrived within ${PUSH_TIMEOUT_MS} ms` });
  expect(await pushPattern(url, { seconds: 2 }).exited).not.toBe(0);
});

it.runIf(HAVE)('a push that starts in time gets no push-timeout', async () => {
  const key = freshKey();
  const events: string[] = [];
  plane.onEvent((e) => sameKey(e.key, key) && events.push(e.type));
  const stopped = nextEvent(plane.onEvent.bind(plane), (e) => e.type === 'push-stopped' && sameKey(e.key, key));
  // The push outlasts the timeout: a timer left running would fire during it.
  const push = pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 3 });
  expect(await push.exited).toBe(0);
  await stopped;
  expect(events).toEqual(['push-started', 'push-stopped']);
});
