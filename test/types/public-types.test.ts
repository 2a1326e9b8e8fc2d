// The public .d.ts, as users get it, compiles the documented usage and refuses the mistakes
// marked in usage.ts. Needs `npm run build` first (npm test does it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';

it('compiles usage.ts against dist/VolcEngineRTC_MiniApp.d.ts', () => {
  expect(existsSync('dist/VolcEngineRTC_MiniApp.d.ts'), 'run npm run build first').toBe(true);
  let out = '';
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types/tsconfig.json'], { encoding: 'utf8' });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(out).toBe('');
}, 60_000);
