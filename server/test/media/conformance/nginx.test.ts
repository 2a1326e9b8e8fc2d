// The MediaPlane contract on nginx-rtmp behind ExternalRelayPlane (./contract.ts): a real nginx
// with the RTMP module asking the plane through its callbacks, real ffmpeg and ffprobe.
import { describe } from 'vitest';
import { needs } from '../../../../test/support/binaries.js';
import { startRig } from '../../media-external/support/plane.js';
import { planeContract } from './contract.js';

describe.runIf(needs(['nginx', 'ffmpeg', 'ffprobe'], 'the MediaPlane contract on nginx-rtmp'))('nginx-rtmp', () => {
  planeContract('ExternalRelayPlane with nginx-rtmp', startRig);
});
