// ts-morph for the emitter, loaded through V8 code caches (codegen/v8-cache.mjs). Loading it is
// most of what an emitting run costs: 13 MB of JavaScript (ts-morph, @ts-morph/common and the
// TypeScript compiler @ts-morph/common bundles) that V8 would compile anew in every process. The
// three files are entered in require's cache in the order they require each other, so ts-morph's
// own `require('@ts-morph/common')` finds them. Only the bundle of codegen/launch.mjs comes here
// (it maps the emitters' `import ... from 'ts-morph'` to this module); under tsx they import
// ts-morph as it is.
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './v8-cache.mjs';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/mprtc-codegen/', import.meta.url));

export function loadTsMorph(): unknown {
  const require = createRequire(import.meta.url);
  const main = require.resolve('ts-morph');
  const common = createRequire(main).resolve('@ts-morph/common');
  const bundledTs = createRequire(common).resolve('./typescript');
  const version = (pkg: string) => (createRequire(main)(`${pkg}/package.json`) as { version: string }).version;
  const steps: [file: string, name: string][] = [
    [bundledTs, `ts-morph-common-${version('@ts-morph/common')}-${basename(bundledTs, '.js')}`],
    [common, `ts-morph-common-${version('@ts-morph/common')}`],
    [main, `ts-morph-${require('ts-morph/package.json').version as string}`],
  ];
  let exports: unknown;
  for (const [file, name] of steps) exports = requireWithCodeCache(file, join(CACHE, `${name}.cache`));
  return exports;
}
