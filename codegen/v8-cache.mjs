// Runs a CommonJS file as `require` would, but through a V8 code cache: V8 compiles a large file
// (TypeScript's 9 MB, codegen's bundle) anew in every process, and a cold codegen run is mostly
// start-up. The cache holds the compiled code of every function the run used; it is written at
// the end of a run that had none, or had one V8 refused (another Node, another version of the
// file: V8 checks). Same code, same results, less start-up. The module is entered in require's
// cache, so a later `require` of the same file (ts-morph's of @ts-morph/common, ...) gets it.
// Plain JavaScript: codegen/launch.mjs uses it before anything is built; codegen/typescript.ts and
// codegen/ts-morph.ts too.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The exports of CommonJS `file`, compiled with (and, when missing or refused, into) `cacheFile`. */
export function requireWithCodeCache(file, cacheFile) {
  if (Module._cache[file]) return Module._cache[file].exports;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet: this run writes it.
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = module; // before it runs, as require does: a cycle back to it finds it
  try {
    script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  } catch (e) {
    delete Module._cache[file];
    throw e;
  }
  module.loaded = true;
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
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
