// The CLI's pipeline on a scratch copy of the repository: deterministic output, a second run
// changes nothing, --check names every stale file, generated files no longer emitted go away.
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSources, run, type Emit } from '../../codegen/reconcile/run.js';
import { canonicalJson, validateSpec } from '../../codegen/spec/schema.js';
import type { Spec } from '../../codegen/spec/types.js';
import { buildWith, fixtureRoot, read, pageOverrides, pageSources, ROOT } from './helpers.js';

const scratch: string[] = [];
function repo(): string {
  const dir = fixtureRoot();
  scratch.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

// A stand-in for the emitter (the layer below is not under test here): one file per method.
const emit: Emit = (spec) =>
  new Map([
    ['index.ts', `export const names = ${JSON.stringify(spec.classes[0]!.methods.map((m) => m.name))};\n`],
    ['nested/count.ts', `export const n = ${spec.types.length};\n`],
  ]);
const emitter = { hash: 'a'.repeat(64), load: () => emit };

describe('determinism', () => {
  it('the same pages give the same bytes, whatever order they are read in', () => {
    const a = canonicalJson(buildWith(pageSources(), pageOverrides()).spec);
    const b = canonicalJson(buildWith(pageSources(), pageOverrides()).spec);
    const c = canonicalJson(buildWith(pageSources().reverse(), pageOverrides()).spec);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('the committed spec/client.spec.json is what the live pages give today (what --check checks)', () => {
    const live = readSources(ROOT);
    const overrides = read('spec/overrides.json');
    expect(read('spec/client.spec.json')).toBe(canonicalJson(buildWith(live, overrides).spec));
  });
});

describe('run (npm run codegen)', () => {
  it('writes the spec and the emitted files, then a second run changes nothing', async () => {
    const dir = repo();
    const first = await run({ root: dir, check: false, emitter });
    expect(first.problems).toEqual([]);
    expect(first.changed.sort()).toEqual([
      'spec/client.spec.json',
      'spec/generated.manifest.json',
      'spec/overrides.schema.json',
      'spec/spec.schema.json',
      'src/generated/index.ts',
      'src/generated/nested/count.ts',
    ]);
    expect(readFileSync(join(dir, 'src/generated/index.ts'), 'utf8')).toContain('"setBusinessId"');
    const spec = JSON.parse(readFileSync(join(dir, 'spec/client.spec.json'), 'utf8')) as Spec;
    expect(validateSpec(spec)).toEqual([]);
    const second = await run({ root: dir, check: false, emitter });
    expect(second).toMatchObject({ ok: true, changed: [], problems: [] });
    expect(await run({ root: dir, check: true, emitter })).toMatchObject({ ok: true, problems: [] });
  });

  it('--check writes nothing and names every stale file', async () => {
    const dir = repo();
    await run({ root: dir, check: false, emitter });
    writeFileSync(join(dir, 'src/generated/index.ts'), '// edited by hand\n');
    mkdirSync(join(dir, 'src/generated/old'), { recursive: true });
    writeFileSync(join(dir, 'src/generated/old/gone.ts'), 'export {};\n');
    const docs = join(dir, 'spec/docs/error-codes.md');
    writeFileSync(docs, readFileSync(docs, 'utf8').replace('The call needs the client to be in a room.', 'The call needs a room.'));
    const r = await run({ root: dir, check: true, emitter });
    expect(r.ok).toBe(false);
    expect(r.problems.sort()).toEqual([
      'spec/client.spec.json: STALE_FILE out of date: run npm run codegen',
      'spec/generated.manifest.json: STALE_FILE out of date: run npm run codegen',
      'src/generated/index.ts: STALE_FILE out of date: run npm run codegen',
      'src/generated/old/gone.ts: STALE_FILE no longer generated: run npm run codegen',
    ]);
    expect(readFileSync(join(dir, 'src/generated/index.ts'), 'utf8')).toBe('// edited by hand\n');
    expect(existsSync(join(dir, 'src/generated/old/gone.ts'))).toBe(true);
    // Without --check the same run repairs all four.
    expect((await run({ root: dir, check: false, emitter })).problems).toEqual([]);
    expect(existsSync(join(dir, 'src/generated/old/gone.ts'))).toBe(false);
    expect((await run({ root: dir, check: true, emitter })).ok).toBe(true);
  });

  it('fails on an unresolved diagnostic and writes nothing', async () => {
    const dir = repo();
    const page = join(dir, 'spec/docs/client.md');
    writeFileSync(page, readFileSync(page, 'utf8').replace('| roomId    | string   |', '| roomId    | number   |'));
    // The signature still says string: a new PARAM_TYPE_MISMATCH the overrides do not answer.
    const r = await run({ root: dir, check: false, emitter });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.stringMatching(
        /^spec\/docs\/client\.md:135: PARAM_TYPE_MISMATCH Client\.join\(roomId\): the signature types it `string` but the table says `number`/,
      ),
    ]);
    expect(existsSync(join(dir, 'spec/client.spec.json'))).toBe(false);
  });

  it('works without an emitter', async () => {
    const dir = repo();
    const r = await run({ root: dir, check: false, emitter: null });
    expect(r.changed.sort()).toEqual(['spec/client.spec.json', 'spec/overrides.schema.json', 'spec/spec.schema.json']);
  });
});

describe('spec/spec.schema.json', () => {
  const good = () => JSON.parse(canonicalJson(buildWith(pageSources(), pageOverrides()).spec)) as Spec & Record<string, unknown>;

  it('accepts the real spec', () => {
    expect(validateSpec(good())).toEqual([]);
  });

  it('rejects broken specs', () => {
    const noReturns = good();
    delete (noReturns.classes[0]!.methods[0] as Partial<Spec['classes'][0]['methods'][0]>).returns;
    expect(validateSpec(noReturns).join()).toMatch(/returns/);

    const badKind = good();
    (badKind.classes[0]!.methods[0]!.params[0]!.type as { kind: string }).kind = 'object';
    expect(validateSpec(badKind).length).toBeGreaterThan(0);

    const extra = good();
    extra.surprise = true;
    expect(validateSpec(extra).join()).toMatch(/additional properties/);

    const badLine = good();
    badLine.types[0]!.source.line = 0;
    expect(validateSpec(badLine).join()).toMatch(/source\/line/);

    const badVersion = good();
    (badVersion as { specVersion: number }).specVersion = 2;
    expect(validateSpec(badVersion).length).toBeGreaterThan(0);
  });
});
