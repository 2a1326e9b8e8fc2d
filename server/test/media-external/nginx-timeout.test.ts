// An issued push URL nobody uses: 'push-timeout', and nginx-rtmp is then refused that URL.
// A plane (and nginx) of its own, with a short timeout.

import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { killAll, pushPattern } from '../media/support/av.js';
import { freshKey, inAMinute } from '../media/support/plane.js';
import { startRig, type Rig } from './support/plane.js';

const PUSH_TIMEOUT_MS = 1_500;
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ pushTimeoutMs: PUSH_TIMEOUT_MS });
});
afterEach(() => killAll());
afterAll(() => rig?.stop());

it('reports push-timeout when no push arrives in time, and revokes the URL', async () => {
  const key = freshKey();
  const url = rig.plane.issuePushUrl(key, inAMinute());
  const timedOut = await rig.eventFor(key, 'push-timeout', PUSH_TIMEOUT_MS + 10_000);
  expect(timedOut).toEqual({ type: 'push-timeout', key, reason: `no push arrived within ${PUSH_TIMEOUT_MS} ms` });
  const events = rig.record(key);
  expect(await pushPattern(url, { seconds: 3 }).exited).not.toBe(0);
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
