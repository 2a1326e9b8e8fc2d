// A suite whose program is missing skips locally and fails in CI, and says what to install.
import { describe, expect, it } from 'vitest';
import { installHint, missing, needs, onPath } from './binaries.js';

describe('needs()', () => {
  const gone = { MPRTC_MISSING_PROGRAMS: 'ffmpeg,nginx', PATH: process.env.PATH };

  it('runs a suite whose programs are all there', () => {
    expect(needs(['redis-server'], 'redis suite', { ...gone, CI: 'true' })).toBe(true);
  });

  it('skips locally when one is missing', () => {
    expect(needs(['ffmpeg', 'redis-server'], 'media suite', gone)).toBe(false);
  });

  it('fails in CI, naming the programs and the apt packages', () => {
    expect(() => needs(['ffmpeg', 'nginx'], 'nginx suite', { ...gone, CI: 'true' })).toThrow(
      'nginx suite needs ffmpeg, nginx (sudo apt-get install ffmpeg nginx-light libnginx-mod-rtmp); CI=true',
    );
  });

  it('looks on PATH itself when the global setup did not run', () => {
    expect(missing(['ffmpeg', 'chromium'], { PATH: '/nonexistent' }).length).toBeGreaterThan(0);
    expect(onPath('sh')).toBe(true);
    expect(onPath('no-such-program-mprtc')).toBe(false);
  });

  it('names each package once', () => {
    expect(installHint(['ffmpeg', 'ffprobe'])).toBe('sudo apt-get install ffmpeg');
  });
});
