// Shared by the codegen tests: the real pages and overrides, and a build over them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type SourcePage } from '../../codegen/reconcile/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const read = (rel: string) => readFileSync(`${ROOT}/${rel}`, 'utf8');
export const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');

export const CLIENT = 'spec/docs/client.md';
export const EVENTS = 'spec/docs/events.md';
export const ERRORS = 'spec/docs/error-codes.md';
export const OVERRIDES = 'spec/overrides.json';

export function realSources(): SourcePage[] {
  return [CLIENT, EVENTS, ERRORS].map((file) => ({ file, text: read(file) }));
}

export function realOverrides(): { pages: Record<string, { docId: string }>; overrides: Record<string, unknown>[] } {
  return JSON.parse(read(OVERRIDES));
}

/** Only the page mapping: every diagnostic stays unresolved. */
export const NO_OVERRIDES = JSON.stringify({ pages: { [CLIENT]: { docId: '78567' } }, overrides: [] });

export function buildWith(sources: SourcePage[], overrides: unknown) {
  return build(sources, OVERRIDES, typeof overrides === 'string' ? overrides : JSON.stringify(overrides));
}
