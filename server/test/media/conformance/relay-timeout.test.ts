// The push timeout part of the MediaPlane contract on the embedded relay (a plane of its own).
import { describe } from 'vitest';
import { needs } from '../../../../test/support/binaries.js';
import { pushTimeoutContract } from './contract.js';
import { startRelayRig } from './relay-rig.js';

describe.runIf(needs(['ffmpeg', 'ffprobe'], 'the push timeout on the embedded relay'))('embedded relay', () => {
  pushTimeoutContract('RelayMediaPlane', startRelayRig);
});
