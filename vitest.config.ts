// Two lanes. `npm test` (what CI runs) takes every suite in ALL; `npm run test:unit`
// (vitest.unit.config.ts) takes only the UNIT allow-list: in-process suites with no ffmpeg,
// nginx, Redis, chromium or spawned servers, kept under 30 s. A new directory of suites is not
// unit until it is listed here on purpose.
import { defineConfig } from 'vitest/config';

export const ALL = ['test/**/*.test.ts', 'server/test/**/*.test.ts'];

export const UNIT = [
  'test/api/**/*.test.ts',
  'test/codegen/**/*.test.ts',
  'test/runtime/**/*.test.ts',
  'test/support/**/*.test.ts',
  'server/test/codes.test.ts',
  'server/test/token/**/*.test.ts',
  'server/test/signaling/**/*.test.ts',
  'server/test/rooms/{service,stable-map,audience-list}.test.ts',
  'server/test/media/{gate,grants,grants-extend,names,signing}.test.ts',
  'server/test/media-external/{names,hook-endpoint,srs-hooks}.test.ts',
  'server/test/ops/{admin,auth,faults,hostile,metrics}.test.ts',
];

/**
 * Under the UNIT globs but full lane only: the codegen CLI and leak-check tests start processes; the pipeline,
 * damaged-page and mutation suites run the whole pipeline many times over (seconds each, not unit-sized).
 */
export const NOT_UNIT = [
  'test/codegen/cli.test.ts',
  'test/codegen/caches.test.ts', // runs the codegen CLI (the bundle) three times
  'test/codegen/pipeline.test.ts',
  'test/codegen/lazy-check.test.ts', // the pipeline a dozen times over, and the real emit once
  'test/codegen/damaged.test.ts',
  'test/codegen/mutations.test.ts', // 39 mutated pages through the whole pipeline: 25 s alone
  'test/support/leaks.test.ts',
];

export const shared = {
  // Marks the run, checks ffmpeg & co. once, and fails the run on a process left running.
  globalSetup: ['test/support/global-setup.ts'],
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    ...shared,
    include: ALL,
    // Real sockets, real relays and ffmpeg: give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
