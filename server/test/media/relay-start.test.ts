// Starting and stopping the embedded relay: it reports a taken port instead of exiting the
// process, runs each relay in a process of its own, and frees its ports on stop.

import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { SECRET } from './support/plane.js';

const planes: RelayMediaPlane[] = [];
let blocker: Server | null = null;
afterEach(async () => {
  for (const p of planes.splice(0)) await p.stop();
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = null;
});

function plane(options: Partial<ConstructorParameters<typeof RelayMediaPlane>[0]> = {}): RelayMediaPlane {
  const p = new RelayMediaPlane({ secret: SECRET, logLevel: 'silent', ...options });
  planes.push(p);
  return p;
}

it.each(['rtmpPort', 'httpPort'] as const)('rejects start() when its %s is taken, and can start afterwards', async (which) => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  await expect(plane({ [which]: port }).start()).rejects.toThrow(/EADDRINUSE/);
  const next = plane();
  await next.start();
  expect(next.ports.rtmp).toBeGreaterThan(0);
});

it('runs two relays side by side, each in its own process', async () => {
  const a = plane();
  const b = plane();
  await Promise.all([a.start(), b.start()]);
  expect(a.relayPid).not.toBe(b.relayPid);
  expect([a.relayPid, b.relayPid]).not.toContain(process.pid);
  expect(a.ports.rtmp).not.toBe(b.ports.rtmp);
});

it('frees its ports on stop, so a new relay can take them', async () => {
  const first = plane();
  await first.start();
  const ports = first.ports;
  await first.stop();
  const second = plane({ rtmpPort: ports.rtmp, httpPort: ports.http });
  await second.start();
  expect(second.ports).toEqual(ports);
});

it('refuses a short secret', async () => {
  await expect(plane({ secret: 'short' }).start()).rejects.toThrow(/secret/);
});
