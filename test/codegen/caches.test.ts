// The caches that make a cold codegen run fast (docs/codegen.md, "Start-up"): the compiled
// schema validators, the V8 code caches of TypeScript, ts-morph and of codegen's bundle, and what
// codegen/kept.ts keeps (the pages' Markdown trees, the generated schemas), under
// node_modules/.cache/mprtc-codegen. They only ever save time:
// a damaged one is ignored and written again, and the answer is the same.
import assert, { deepStrictEqual } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../codegen/parse/markdown.js';
import { keepComputed, kept } from '../../codegen/kept.js';
import { CLIENT, EVENTS, fixtureRoot, page, ROOT } from './helpers.js';

const CACHE = join(ROOT, 'node_modules/.cache/mprtc-codegen');
const dir = fixtureRoot('codegen-caches-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const launch = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'codegen/launch.mjs'), '--root', dir, ...args], { cwd: ROOT, encoding: 'utf8' });
const cached = (pattern: RegExp) => readdirSync(CACHE).filter((f) => pattern.test(f));
const GARBAGE = 'not a validator (';

describe('codegen caches', { timeout: 180_000 }, () => {
  it('a damaged validator or code cache is ignored and written again; the check answers the same', () => {
    const started = Date.now();
    expect(launch().status).toBe(0); // generate the scratch tree (and fill the caches)
    const validators = cached(/^validate-.*\.cjs$/);
    // What that run kept (written, or read and touched): the trees of the pages and both schemas.
    const recent = (pattern: RegExp) => cached(pattern).filter((f) => statSync(join(CACHE, f)).mtimeMs >= started - 1000);
    const trees = [...recent(/^tree-.*\.json$/), ...recent(/^schema-.*\.json$/)];
    expect(recent(/^tree-.*\.json$/).length).toBeGreaterThanOrEqual(4); // one per page
    expect(recent(/^schema-.*\.json$/).length).toBeGreaterThanOrEqual(2);
    // The bundle the run used is the one touched last (older ones may still be there).
    const bundle = cached(/^cli-.*\.cjs$/).sort((a, b) => statSync(join(CACHE, b)).mtimeMs - statSync(join(CACHE, a)).mtimeMs)[0]!;
    const codeCaches = [...cached(/^typescript-.*\.cache$/), ...cached(/^ts-morph-.*\.cache$/), bundle.replace(/\.cjs$/, '.cache')];
    expect(validators.length).toBeGreaterThanOrEqual(2); // the spec's schema and the overrides'
    // ts-morph, @ts-morph/common and the TypeScript it bundles (the emitter ran: nothing was generated yet).
    expect(cached(/^ts-morph-.*\.cache$/).length).toBeGreaterThanOrEqual(3);
    for (const f of [...validators, ...codeCaches, ...trees]) writeFileSync(join(CACHE, f), GARBAGE);

    const r = launch('--check', '--full');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of [...validators, ...codeCaches, ...trees]) expect(readFileSync(join(CACHE, f), 'utf8')).not.toBe(GARBAGE);

    // The validators still find errors: a broken overrides file is reported, not waved through.
    const overrides = join(dir, 'spec/overrides.json');
    writeFileSync(overrides, readFileSync(overrides, 'utf8').replace('"vendorDocsUrl"', '"vendorDocsLink"'));
    const bad = launch('--check', '--full');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('OVERRIDES_INVALID /: must NOT have additional properties "vendorDocsLink"');
  });

  it('the kept tree of a page is the tree parsing gives', () => {
    const markdown = join(ROOT, 'codegen/parse/markdown.ts');
    for (const file of [CLIENT, EVENTS]) {
      const { text: body, tree } = parseMarkdown(page(file)); // parsed: only the CLI keeps trees
      keepComputed(true);
      try {
        const valid = (v: unknown) => typeof v === 'object' && v !== null;
        kept('tree', markdown, body, () => tree, valid); // kept (unless a run kept it already)
        const again = kept('tree', markdown, body, () => assert.fail(`${file} was parsed again`), valid);
        deepStrictEqual(again, tree);
        expect(parseMarkdown(page(file)).tree).toEqual(tree); // and what parseMarkdown reads back
      } finally {
        keepComputed(false);
      }
    }
  });
});
