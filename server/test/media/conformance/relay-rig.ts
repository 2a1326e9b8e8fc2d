// The embedded relay (RelayMediaPlane, its own process) as a conformance rig.
import type { MediaEvent, StreamKey } from '../../../src/media/plane.js';
import { RelayMediaPlane } from '../../../src/media/relay/index.js';
import { nextEvent } from '../support/av.js';
import { SECRET, sameKey } from '../support/plane.js';
import type { Rig, StartRig } from './contract.js';

export const startRelayRig: StartRig = async ({ pushTimeoutMs }) => {
  const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET, ...(pushTimeoutMs === undefined ? {} : { pushTimeoutMs }) });
  await plane.start();
  const subscribe = plane.onEvent.bind(plane);
  const rig: Rig = {
    plane,
    controlErrors: [], // no control API: the relay is driven over its own IPC channel
    eventFor: (key: StreamKey, type: MediaEvent['type'], timeoutMs?: number) => nextEvent(subscribe, (e) => e.type === type && sameKey(e.key, key), timeoutMs),
    record: (key) => {
      const events: MediaEvent[] = [];
      plane.onEvent((e) => sameKey(e.key, key) && events.push(e));
      return events;
    },
    stop: () => plane.stop(),
  };
  return rig;
};
