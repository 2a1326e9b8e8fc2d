// The mini-program build writes the generated ERROR_CODES and EVENTS from their names
// (scripts/dense-constants.ts): only when that gives exactly the module's exports.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { denseSource } from '../../scripts/dense-constants.js';

const root = mkdtempSync(join(tmpdir(), 'mprtc-dense-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A generated module with this text, in a src/generated folder of its own. */
function generated(name: string, text: string): string {
  const dir = mkdtempSync(join(root, 'case-'));
  mkdirSync(join(dir, 'src', 'generated'), { recursive: true });
  const path = join(dir, 'src', 'generated', name);
  writeFileSync(path, text);
  return path;
}

const evaluate = (source: string, names: string): Record<string, unknown> =>
  new Function(`${source.replace(/^export \{.*$/m, '')}return { ${names} };`)() as Record<string, unknown>;

it('writes the repository modules densely, with the same exports', async () => {
  const codes = await denseSource(join(process.cwd(), 'src/generated/error-codes.ts'));
  const events = await denseSource(join(process.cwd(), 'src/generated/events.ts'));
  const { ERROR_CODES } = await import('../../src/generated/error-codes.js');
  const { EVENTS, EVENT_VALUES } = await import('../../src/generated/events.js');
  expect(JSON.stringify(evaluate(codes!, 'ERROR_CODES'))).toBe(JSON.stringify({ ERROR_CODES }));
  expect(JSON.stringify(evaluate(events!, 'EVENTS, EVENT_VALUES'))).toBe(JSON.stringify({ EVENTS, EVENT_VALUES }));
});

it('keeps a module whose values do not follow from the names', async () => {
  const gap = generated('error-codes.ts', 'export const ERROR_CODES = { A: 100001, B: 100003 };\n');
  const odd = generated('events.ts', "export const EVENTS = { A_B: 'a-b', C: 'see' };\nexport const EVENT_VALUES = Object.values(EVENTS);\n");
  const extra = generated('events.ts', "export const EVENTS = { A_B: 'a-b' };\nexport const EVENT_VALUES = ['a-b'];\nexport const MORE = 1;\n");
  expect(await denseSource(gap)).toBeUndefined();
  expect(await denseSource(odd)).toBeUndefined();
  expect(await denseSource(extra)).toBeUndefined();
  expect(await denseSource(join(process.cwd(), 'src/generated/rules.ts'))).toBeUndefined();
  const fits = generated('error-codes.ts', 'export const ERROR_CODES = { A: 100001, B: 100002, C: 200001 };\n');
  expect(evaluate((await denseSource(fits))!, 'ERROR_CODES')).toEqual({ ERROR_CODES: { A: 100001, B: 100002, C: 200001 } });
});
