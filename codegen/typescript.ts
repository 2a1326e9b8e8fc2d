// The `typescript` package (the project's own compiler version) for the parser, the schema
// generator and the compile check. Loading it is most of a cold codegen run's start-up: V8
// compiles 9 MB of JavaScript (~0.2 s) before the first parse. So it is run as `require` would (a
// CommonJS module: `import` would also make Node scan it for export names, ~0.3 s more), through
// a V8 code cache in node_modules/.cache (codegen/v8-cache.mjs): ~0.15 s less per run.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import { requireWithCodeCache } from './v8-cache.mjs';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/mprtc-codegen/', import.meta.url));

function load(): typeof TS {
  const require = createRequire(import.meta.url);
  const { version } = require('typescript/package.json') as { version: string };
  return requireWithCodeCache(require.resolve('typescript'), join(CACHE, `typescript-${version}.cache`)) as typeof TS;
}

export const ts = load();
export type { TS };
