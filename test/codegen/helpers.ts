// Shared by the codegen tests. They read FIXTURE copies of the pages and the overrides
// (test/codegen/fixtures/docs, fixtures/overrides.json), not the live spec/docs: replacing the
// vendor page (step 1 of the maintainer walk-through) must not break tests about something else.
// The copies keep their live names (spec/docs/...), so messages read as they would on the live tree.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type SourcePage } from '../../codegen/reconcile/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
export const read = (rel: string) => readFileSync(`${ROOT}/${rel}`, 'utf8');
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

export const CLIENT = 'spec/docs/client.md';
export const OURS = 'spec/docs/client-ours.md';
export const EVENTS = 'spec/docs/events.md';
export const ERRORS = 'spec/docs/error-codes.md';
export const OVERRIDES = 'spec/overrides.json';

/** A fixture page by its live name: `page(CLIENT)` is the copy of spec/docs/client.md. */
export const page = (file: string) => fixture(`docs/${file.replace(/^spec\/docs\//, '')}`);

/** Every fixture page, named as it would be under spec/docs. */
export function pageSources(): SourcePage[] {
  return readdirSync(join(FIXTURES, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({ file: `spec/docs/${f}`, text: page(f) }));
}

/** The fixture copy of spec/overrides.json, parsed. */
export function pageOverrides(): { pages: Record<string, { docId: string }>; overrides: Record<string, unknown>[] } {
  return JSON.parse(fixture('overrides.json'));
}

/** Only the page mapping: every diagnostic stays unresolved. */
export const NO_OVERRIDES = JSON.stringify({ pages: { [CLIENT]: { docId: '78567' } }, overrides: [] });

export function buildWith(sources: SourcePage[], overrides: unknown) {
  return build(sources, OVERRIDES, typeof overrides === 'string' ? overrides : JSON.stringify(overrides));
}

/** A scratch checkout holding the fixture pages and overrides (for the CLI and pipeline tests). */
export function fixtureRoot(prefix = 'codegen-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'spec'), { recursive: true });
  cpSync(join(FIXTURES, 'docs'), join(dir, 'spec/docs'), { recursive: true });
  cpSync(join(FIXTURES, 'overrides.json'), join(dir, 'spec/overrides.json'));
  return dir;
}

/** The source of one page in a list from pageSources(), by its live name. */
export const at = (sources: SourcePage[], file: string): SourcePage => sources.find((s) => s.file === file)!;
