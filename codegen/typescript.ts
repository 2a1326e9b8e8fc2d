// The `typescript` package (the project's own compiler version) for the parser, the schema
// generator and the compile check. Loading it is most of a cold codegen run's start-up: V8
// compiles 9 MB of JavaScript (~0.2 s) before the first parse. So it is loaded as `require` would
// (a CommonJS module; `import` would also make Node scan it for export names, ~0.3 s more), but
// through a V8 code cache kept in node_modules/.cache: the compiled code of every function the
// run used, written at the end of a run that had none (or had one V8 refused: another Node or
// TypeScript version). Same code, same results; ~0.15 s less per run.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type * as TS from 'typescript';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/mprtc-codegen/', import.meta.url));

function load(): typeof TS {
  const require = createRequire(import.meta.url);
  const file = require.resolve('typescript');
  const { version } = require('typescript/package.json') as { version: string };
  const cacheFile = join(CACHE, `typescript-${version}-v8-${process.versions.v8}.cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet: this run writes it.
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as typeof TS };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(CACHE, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile); // atomic: a concurrent run reads a whole cache or none
      } catch {
        // A read-only cache: the next run compiles again.
      }
    });
  }
  return module.exports;
}

export const ts = load();
export type { TS };
