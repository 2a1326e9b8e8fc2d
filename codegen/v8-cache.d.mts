/** The exports of CommonJS `file`, compiled with (and, when missing, refused or shallower, into) `cacheFile`. */
export function requireWithCodeCache(file: string, cacheFile: string): unknown;
/** This run compiles generated code (the deepest path): its caches replace shallower ones at exit. */
export function markDeepRun(): void;
