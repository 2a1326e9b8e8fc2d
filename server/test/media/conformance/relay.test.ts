// The MediaPlane contract on the embedded relay (./contract.ts), with real ffmpeg and ffprobe.
import { describe } from 'vitest';
import { needs } from '../../../../test/support/binaries.js';
import { planeContract } from './contract.js';
import { startRelayRig } from './relay-rig.js';

describe.runIf(needs(['ffmpeg', 'ffprobe'], 'the MediaPlane contract on the embedded relay'))('embedded relay', () => {
  planeContract('RelayMediaPlane', startRelayRig);
});
