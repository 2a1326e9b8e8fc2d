// The relay process under supervision: killed, it is reported (relay-exit, push-stopped with the
// reason) and started again on the same ports, where the URLs issued before still work; a
// restart that cannot listen is retried with a longer delay; a stuck one (SIGSTOP: its event
// loop answers nothing) is killed and restarted.

import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import type { MediaEvent } from '../../src/media/plane.js';
import { RelayMediaPlane, type RelayEvent } from '../../src/media/relay/index.js';
import { killAll, nextEvent, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay supervision');

const planes: RelayMediaPlane[] = [];
let blocker: Server | null = null;
afterEach(async () => {
  await killAll();
  for (const p of planes.splice(0)) await p.stop();
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = null;
});

async function started(restartDelayMs = 100, heartbeatTimeoutMs = 10_000): Promise<{ plane: RelayMediaPlane; relayEvents: RelayEvent[] }> {
  const plane = new RelayMediaPlane({
    secret: SECRET,
    logLevel: 'silent',
    restartDelayMs,
    restartDelayMaxMs: 4 * restartDelayMs,
    pushTimeoutMs: 60_000,
    heartbeatTimeoutMs,
  });
  planes.push(plane);
  const relayEvents: RelayEvent[] = [];
  plane.onRelayEvent((e) => relayEvents.push(e));
  await plane.start();
  return { plane, relayEvents };
}

function relayEvent(plane: RelayMediaPlane, type: RelayEvent['type'], timeoutMs = 20_000): Promise<RelayEvent> {
  return nextEvent<RelayEvent>(
    (l) => plane.onRelayEvent(l),
    (e) => e.type === type,
    timeoutMs,
  );
}

it.runIf(HAVE)('a killed relay: push-stopped with the reason, relay-exit, a new process on the same ports, and the old push URL works there', async () => {
  const { plane } = await started();
  const key = freshKey();
  const url = plane.issuePushUrl(key, inAMinute());
  const live = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-started' && sameKey(e.key, key),
  );
  const push = pushPattern(url, { seconds: 60 });
  await live;
  const first = plane.relayPid!;
  const ports = plane.ports;

  const stopped = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-stopped' && sameKey(e.key, key),
  );
  const exit = relayEvent(plane, 'relay-exit');
  const restart = relayEvent(plane, 'relay-restart');
  process.kill(first, 'SIGKILL');
  expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'relay process exited' });
  expect(await exit).toMatchObject({ type: 'relay-exit', pid: first, signal: 'SIGKILL', restartInMs: 100 });
  expect(await push.exited).not.toBe(0);
  const again = await restart;
  expect(again).toMatchObject({ type: 'relay-restart', attempt: 1 });
  expect(plane.relayPid).not.toBe(first);
  expect(plane.ports).toEqual(ports);

  const back = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-started' && sameKey(e.key, key),
  );
  pushPattern(url, { seconds: 30 });
  await back;
});

it.runIf(HAVE)('a restart that cannot listen is retried with a longer delay, and succeeds once the port is free', async () => {
  // A first delay long enough to take the port first, even on a loaded machine.
  const { plane } = await started(1_000);
  const port = plane.ports.rtmp;
  const exit = relayEvent(plane, 'relay-exit');
  process.kill(plane.relayPid!, 'SIGKILL');
  await exit;
  // Take the port before the restart (1 s later) gets to it.
  blocker = createServer();
  await new Promise<void>((resolve, reject) => {
    blocker!.once('error', reject);
    blocker!.listen(port, '127.0.0.1', () => resolve());
  });
  const failed = await relayEvent(plane, 'relay-restart-failed');
  expect(failed).toMatchObject({ type: 'relay-restart-failed', message: expect.stringMatching(/EADDRINUSE/), retryInMs: 2_000 });
  const restarted = relayEvent(plane, 'relay-restart');
  await new Promise<void>((resolve) => blocker!.close(() => resolve()));
  blocker = null;
  expect(await restarted).toMatchObject({ type: 'relay-restart' });
  expect(plane.relayPid).not.toBeNull();
});

it.runIf(HAVE)('a stuck relay process (answers no ping) is killed and restarted', async () => {
  const { plane } = await started(100, 1_000);
  const key = freshKey();
  const live = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-started' && sameKey(e.key, key),
  );
  pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 60 });
  await live;
  const stuck = plane.relayPid!;
  const unresponsive = relayEvent(plane, 'relay-unresponsive');
  const stopped = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-stopped' && sameKey(e.key, key),
  );
  const restart = relayEvent(plane, 'relay-restart');
  process.kill(stuck, 'SIGSTOP');
  expect(await unresponsive).toMatchObject({ type: 'relay-unresponsive', pid: stuck });
  expect(await stopped).toMatchObject({ reason: 'relay process exited' });
  await restart;
  expect(plane.relayPid).not.toBe(stuck);
});
