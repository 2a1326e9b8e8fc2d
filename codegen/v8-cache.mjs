// Runs a CommonJS file as `require` would, but through a V8 code cache: V8 compiles a large file
// (TypeScript's 9 MB, codegen's bundle) anew in every process, and a cold codegen run is mostly
// start-up. The cache holds the compiled code of every function the run used; it is written at
// the end of a run that had none, or had one V8 refused (another Node, another version of the
// file: V8 checks), or had one from a shallower run: a check the manifest answers uses a part of
// TypeScript and of the bundle, one that emits and compiles the files uses much more, and what a
// cache lacks is compiled again in every run (~0.2 s of a check after a page edit when a fresh
// clone's first check wrote the caches). The cache's first byte says which kind of run wrote it.
// Same code, same results, less start-up. The module is entered in require's cache, so a later
// `require` of the same file (ts-morph's of @ts-morph/common, ...) gets it.
// Plain JavaScript: codegen/launch.mjs uses it before anything is built; codegen/typescript.ts and
// codegen/ts-morph.ts too (inside the bundle: a second copy of this module, hence the global flag).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The cache's first byte: written by a run that compiled generated code, or by one that did not. */
const DEEP = 1;
const SHALLOW = 0;
const DEEP_RUN = Symbol.for('mprtc-codegen.deepRun');

/** This run compiles generated code (the deepest path): its caches replace shallower ones at exit. */
export function markDeepRun() {
  globalThis[DEEP_RUN] = true;
}

/** The exports of CommonJS `file`, compiled with (and, when missing, refused or shallower, into) `cacheFile`. */
export function requireWithCodeCache(file, cacheFile) {
  if (Module._cache[file]) return Module._cache[file].exports;
  let cachedData;
  let depth = SHALLOW;
  try {
    const bytes = readFileSync(cacheFile);
    // Anything else (an older format, a damaged file) is no cache: this run writes one.
    if (bytes.length > 1 && (bytes[0] === DEEP || bytes[0] === SHALLOW)) {
      depth = bytes[0];
      cachedData = bytes.subarray(1);
    }
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
  const refused = !cachedData || script.cachedDataRejected;
  process.once('exit', () => {
    const deep = globalThis[DEEP_RUN] === true;
    if (!refused && (depth === DEEP || !deep)) return;
    try {
      mkdirSync(dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([Buffer.of(deep ? DEEP : SHALLOW), script.createCachedData()]));
      renameSync(tmp, cacheFile); // atomic: a concurrent run reads a whole cache or none
    } catch {
      // A read-only cache: the next run compiles again.
    }
  });
  return module.exports;
}
