// The push timeout part of the MediaPlane contract on nginx-rtmp (a plane and nginx of its own).
import { describe } from 'vitest';
import { needs } from '../../../../test/support/binaries.js';
import { startRig } from '../../media-external/support/plane.js';
import { pushTimeoutContract } from './contract.js';

describe.runIf(needs(['nginx', 'ffmpeg', 'ffprobe'], 'the push timeout on nginx-rtmp'))('nginx-rtmp', () => {
  pushTimeoutContract('ExternalRelayPlane with nginx-rtmp', startRig);
});
