/** The exports of CommonJS `file`, compiled with (and, when missing or refused, into) `cacheFile`. */
export function requireWithCodeCache(file: string, cacheFile: string): unknown;
