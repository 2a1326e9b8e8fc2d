// One ExternalRelayPlane wired to its own real nginx, for a test file.

import type { MediaEvent, StreamKey } from '../../../src/media/plane.js';
import { ExternalRelayPlane } from '../../../src/media/external/index.js';
import { nextEvent } from '../../media/support/av.js';
import { SECRET, sameKey } from '../../media/support/plane.js';
import { nginxPorts, relayUrls, startNginx, type Nginx } from './nginx.js';

export const APP = 'live';

export interface Rig {
  plane: ExternalRelayPlane;
  nginx: Nginx;
  controlErrors: Error[];
  eventFor: (key: StreamKey, type: MediaEvent['type'], timeoutMs?: number) => Promise<MediaEvent>;
  /** Every event of the plane for one key, from now on. */
  record: (key: StreamKey) => MediaEvent[];
  stop: () => Promise<void>;
}

export async function startRig(options: { pushTimeoutMs?: number } = {}): Promise<Rig> {
  const ports = await nginxPorts();
  const controlErrors: Error[] = [];
  const plane = new ExternalRelayPlane({
    secret: SECRET,
    dialect: 'nginx-rtmp',
    ...relayUrls(ports, APP),
    ...(options.pushTimeoutMs !== undefined ? { pushTimeoutMs: options.pushTimeoutMs } : {}),
    onControlError: (e) => controlErrors.push(e),
  });
  await plane.start();
  let nginx: Nginx;
  try {
    nginx = await startNginx({ ports, app: APP, hookUrl: plane.hookUrl });
  } catch (err) {
    await plane.stop();
    throw err;
  }
  const subscribe = plane.onEvent.bind(plane);
  return {
    plane,
    nginx,
    controlErrors,
    eventFor: (key, type, timeoutMs) => nextEvent(subscribe, (e) => e.type === type && sameKey(e.key, key), timeoutMs),
    record: (key) => {
      const events: MediaEvent[] = [];
      plane.onEvent((e) => sameKey(e.key, key) && events.push(e));
      return events;
    },
    stop: async () => {
      await nginx.stop();
      await plane.stop();
    },
  };
}
