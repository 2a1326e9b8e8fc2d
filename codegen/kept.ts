// What codegen's own code computes the same way every run, kept between runs of the CLI: the
// Markdown trees of the pages (remark and micromark: most of what parsing a page costs a cold
// process, and a check after a page edit re-reads the pages nobody touched) and the JSON Schemas
// generated from the TypeScript types. Each is a pure function of its input, of the code that
// computes it and of the installed packages (npm's record of them, node_modules/.package-lock.json),
// so it is kept as JSON in a file named by a hash of all three, next to the code caches, and
// checked for its shape when read. No lockfile: nothing is kept. A damaged file is computed and
// written again (test/codegen/caches.test.ts, which also proves a kept tree is the parsed tree).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/mprtc-codegen/', import.meta.url));
const LOCK = fileURLToPath(new URL('../node_modules/.package-lock.json', import.meta.url));
/** Bumped when what a kept file holds changes. */
const FORMAT = 1;
/** Files kept of each kind: a checkout's pages and a few edits of them; the least recently used go. */
const KEEP = 24;

let enabled = false;
/** Files read once per run: the lockfile and the computing modules' sources. */
const read = new Map<string, Buffer | null>();

/** The CLI keeps what it computes; tests that parse hundreds of mutated pages in process do not. */
export function keepComputed(on = true): void {
  enabled = on;
}

/**
 * `compute()`, or what it gave before for the same `input`, the same source of `code` (the
 * module that computes it, a path) and the same installed packages. `valid` checks a kept value.
 */
export function kept<T>(kind: string, code: string, input: string, compute: () => T, valid: (v: unknown) => boolean): T {
  if (!enabled) return compute();
  const lock = readOnce(LOCK);
  const source = readOnce(code);
  if (!lock || !source) return compute();
  const key = createHash('sha256').update(`${kind} ${FORMAT}\0`).update(lock).update('\0').update(source).update('\0').update(input).digest('hex');
  const file = join(CACHE, `${kind}-${key.slice(0, 32)}.json`);
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (valid(value)) {
      const now = new Date();
      utimesSync(file, now, now); // recently used: kept
      return value as T;
    }
  } catch {
    // None yet, or damaged: compute it and write it.
  }
  const value = compute();
  try {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file); // atomic: a concurrent run reads a whole file or none
    prune(kind);
  } catch {
    // A read-only cache: the next run computes it again.
  }
  return value;
}

function readOnce(file: string): Buffer | null {
  if (!read.has(file)) {
    try {
      read.set(file, readFileSync(file));
    } catch {
      read.set(file, null);
    }
  }
  return read.get(file)!;
}

function prune(kind: string): void {
  const pattern = new RegExp(`^${kind}-[0-9a-f]+\\.json$`);
  const files = readdirSync(CACHE)
    .filter((f) => pattern.test(f))
    .map((f) => {
      try {
        return { f, t: statSync(join(CACHE, f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(KEEP)) rmSync(join(CACHE, f), { force: true });
}
