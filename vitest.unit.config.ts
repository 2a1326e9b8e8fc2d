// npm run test:unit: the fast lane (see UNIT in vitest.config.ts).
import { defineConfig } from 'vitest/config';
import { NOT_UNIT, UNIT, shared } from './vitest.config.js';

export default defineConfig({
  test: {
    ...shared,
    include: UNIT,
    exclude: ['**/node_modules/**', ...NOT_UNIT],
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
