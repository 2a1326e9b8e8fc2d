// The Markdown trees of pages that did not change, kept between runs of the CLI. remark and
// micromark are most of what parsing and reconciling cost a cold process (~0.15 s for the four
// pages), and a check after a page edit re-reads the pages nobody touched. A tree is a pure
// function of the page's text, the parsing code (codegen/parse/markdown.ts) and the installed
// packages (npm's record of them, node_modules/.package-lock.json): the cache file is named by a
// hash of all three, holds the tree as JSON (the same tree: test/codegen/caches.test.ts) and lives
// next to the code caches. Without a lockfile nothing is cached; a damaged file is parsed again.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/mprtc-codegen/', import.meta.url));
const LOCK = fileURLToPath(new URL('../../node_modules/.package-lock.json', import.meta.url));
const PARSER = fileURLToPath(new URL('./markdown.ts', import.meta.url));
/** Bumped when what a cache file holds changes. */
const FORMAT = 1;
/** Trees kept: the pages of a checkout and of a few edits of them; the least recently used go. */
const KEEP = 24;

let enabled = false;
let parserKey: string | null | undefined;

/** The CLI keeps trees; tests that parse hundreds of mutated pages in process do not. */
export function keepTrees(on = true): void {
  enabled = on;
}

/** What decides a tree besides the text; null when that is unknown (no lockfile): no caching. */
function parser(): string | null {
  if (parserKey === undefined) {
    try {
      parserKey = createHash('sha256').update(`tree ${FORMAT}\0`).update(readFileSync(PARSER)).update('\0').update(readFileSync(LOCK)).digest('hex');
    } catch {
      parserKey = null;
    }
  }
  return parserKey;
}

/** `parse(body)`, or the tree it gave for the same text, parser and packages before. */
export function cachedTree(body: string, parse: (body: string) => Root): Root {
  const key = enabled ? parser() : null;
  if (key === null) return parse(body);
  const name = `tree-${createHash('sha256').update(key).update('\0').update(body).digest('hex').slice(0, 32)}.json`;
  const file = join(CACHE, name);
  try {
    const tree = JSON.parse(readFileSync(file, 'utf8')) as Root;
    if (tree && tree.type === 'root' && Array.isArray(tree.children)) {
      const now = new Date();
      utimesSync(file, now, now); // recently used: kept
      return tree;
    }
  } catch {
    // None yet, or damaged: parse and write it.
  }
  const tree = parse(body);
  try {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(tree));
    renameSync(tmp, file); // atomic: a concurrent run reads a whole tree or none
    prune();
  } catch {
    // A read-only cache: the next run parses again.
  }
  return tree;
}

function prune(): void {
  const trees = readdirSync(CACHE)
    .filter((f) => /^tree-[0-9a-f]+\.json$/.test(f))
    .map((f) => {
      try {
        return { f, t: statSync(join(CACHE, f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const { f } of trees.slice(KEEP)) rmSync(join(CACHE, f), { force: true });
}
