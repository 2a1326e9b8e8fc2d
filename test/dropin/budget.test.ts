// The size budget is enforced by the build itself: the normal build passes it (every drop-in
// test builds that way), and a build over budget fails with the measured size in the message.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { GZIP_BUDGET } from '../../scripts/mini-program-build.js';
import { buildDropIn, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

it('fails the build when the gzipped mini-program file exceeds the budget, and says by how much', () => {
  const dir = buildDropIn();
  const gz = gzipSync(readFileSync(join(dir, 'VolcEngineRTC_MiniApp.js')), { level: 9 }).length;
  expect(gz).toBeLessThanOrEqual(GZIP_BUDGET);

  let failure: { status?: number; stderr?: Buffer } = {};
  try {
    buildDropIn({ MPRTC_GZIP_BUDGET: String(gz - 1) });
  } catch (e) {
    failure = e as typeof failure;
  }
  expect(failure.status).toBe(1);
  expect(String(failure.stderr)).toContain(`size budget exceeded: `);
  expect(String(failure.stderr)).toContain(`is ${gz} bytes gzipped, the budget is ${gz - 1}`);

  // Exactly at the budget is fine.
  expect(() => buildDropIn({ MPRTC_GZIP_BUDGET: String(gz) })).not.toThrow();
});
