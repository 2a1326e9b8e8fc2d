// The check that does not emit when it need not (codegen/manifest.ts): on a scratch checkout, with
// a stand-in emitter that counts its loads and whose output depends on the whole spec. Every kind
// of edit (a generated file by hand, a page, the overrides, the emitter, the manifest itself)
// still fails the check with the usual STALE_FILE lines, after loading the emitter; an untouched
// tree is answered without loading it. The last block holds the real tree to its manifest and to
// what ts-morph emits from the committed spec (what `--check --full` does), so the whole suite
// runs the real emit at least once whatever the manifest says.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { emit as realEmit } from '../../codegen/emit/index.js';
import { emitterHash, hashesOf, manifestText, readManifest, unvouched } from '../../codegen/manifest.js';
import { GENERATED_DIR, MANIFEST, run, SPEC_OUT, type Emit, type RunResult } from '../../codegen/reconcile/run.js';
import { canonicalJson } from '../../codegen/spec/schema.js';
import type { Spec } from '../../codegen/spec/types.js';
import { fixtureRoot, read, ROOT } from './helpers.js';

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const digest = (spec: Spec) => createHash('sha256').update(canonicalJson(spec)).digest('hex');
// Output that changes whenever the spec does, in two directories like the real emitter's.
const standIn: Emit = (spec) =>
  new Map([
    ['client.ts', `export const spec = '${digest(spec)}';\n`],
    ['types.ts', `export const types = ${spec.types.length};\n`],
    ['../../protocol/src/generated/events.ts', `export const events = ${spec.events.length};\n`],
  ]);

let loads = 0;
// The hash of a stand-in emitter "version" (the real one is codegen/manifest.ts emitterHash()).
const emitter = (version = 'stand-in v1', emit: Emit = standIn) => ({
  hash: createHash('sha256').update(version).digest('hex'),
  load: () => {
    loads++;
    return emit;
  },
});
const STALE = (rel: string, how = 'out of date') => `${rel}: STALE_FILE ${how}: run npm run codegen`;
const CLIENT = `${GENERATED_DIR}/client.ts`;

let dir = '';
const check = (opts: { full?: boolean; hash?: string; emit?: Emit } = {}): Promise<RunResult> =>
  run({ root: dir, check: true, full: opts.full, emitter: emitter(opts.hash, opts.emit) });
const edit = (rel: string, f: (s: string) => string) => writeFileSync(join(dir, rel), f(readFileSync(join(dir, rel), 'utf8')));

describe('--check and the manifest', { timeout: 60_000 }, () => {
  beforeEach(async () => {
    dir = fixtureRoot('codegen-lazy-');
    scratch.push(dir);
    expect((await run({ root: dir, check: false, emitter: emitter() })).problems).toEqual([]);
    loads = 0;
  });

  it('an untouched tree passes without loading the emitter; so does a generate run', async () => {
    expect(await check()).toMatchObject({ ok: true, problems: [], emitted: false });
    expect(await run({ root: dir, check: false, emitter: emitter() })).toMatchObject({ ok: true, changed: [], emitted: false });
    expect(loads).toBe(0);
  });

  it('--full emits although the manifest vouches', async () => {
    expect(await check({ full: true })).toMatchObject({ ok: true, emitted: true });
    expect(loads).toBe(1);
  });

  it('a generated file edited by hand: emitted, and named stale', async () => {
    edit(CLIENT, (s) => `// edited by hand\n${s}`);
    expect(await check()).toMatchObject({ ok: false, emitted: true, problems: [STALE(CLIENT)] });
    expect(loads).toBe(1);
  });

  it('a generated file deleted, or one added: emitted, and named', async () => {
    unlinkSync(join(dir, 'protocol/src/generated/events.ts'));
    writeFileSync(join(dir, `${GENERATED_DIR}/extra.ts`), 'export {};\n');
    const r = await check();
    expect(r.problems.sort()).toEqual([
      STALE('protocol/src/generated/events.ts', 'missing'),
      `${GENERATED_DIR}/extra.ts: STALE_FILE no longer generated: run npm run codegen`,
    ]);
    expect(loads).toBe(1);
  });

  it('an edited page: emitted; the spec, what the emitter makes of it, and the manifest are stale', async () => {
    edit('spec/docs/error-codes.md', (s) => s.replace('The call needs the client to be in a room.', 'The call needs a room.'));
    const r = await check();
    expect(r.problems.sort()).toEqual([STALE(SPEC_OUT), STALE(MANIFEST), STALE(CLIENT)]);
    expect(loads).toBe(1);
  });

  it('edited overrides: the same', async () => {
    edit('spec/overrides.json', (s) => s.replace('"https://www.volcengine.com/docs/6348/"', '"https://www.volcengine.com/docs/6349/"'));
    const r = await check();
    expect(r.problems.sort()).toEqual([STALE(SPEC_OUT), STALE(MANIFEST), STALE(CLIENT)]);
    expect(loads).toBe(1);
  });

  it('an edited emitter whose output changes: emitted, the files it changes and the manifest are stale', async () => {
    const v2: Emit = (spec) => new Map([...standIn(spec)].map(([k, v]) => [k, k === 'types.ts' ? v.replace('const', 'let') : v]));
    const r = await check({ hash: 'stand-in v2', emit: v2 });
    expect(r.problems.sort()).toEqual([STALE(MANIFEST), STALE(`${GENERATED_DIR}/types.ts`)]);
    expect(loads).toBe(1);
  });

  it('an edited emitter with the same output: emitted; only the manifest is stale (it records the emitter)', async () => {
    expect((await check({ hash: 'stand-in v1, comments edited' })).problems).toEqual([STALE(MANIFEST)]);
    expect(loads).toBe(1);
    // `npm run codegen` rewrites it, and the check is answered without the emitter again.
    expect((await run({ root: dir, check: false, emitter: emitter('stand-in v1, comments edited') })).changed).toEqual([MANIFEST]);
    expect(await check({ hash: 'stand-in v1, comments edited' })).toMatchObject({ ok: true, emitted: false });
    expect(loads).toBe(2);
  });

  it('a manifest edited, damaged or missing: named stale (emitted when it cannot be read)', async () => {
    for (const [text, how] of [
      [readFileSync(join(dir, MANIFEST), 'utf8').replace('"format": 1', '"format":  1'), 'out of date'],
      ['{ "format": 1', 'out of date'],
      ['', 'out of date'],
      [null, 'missing'],
    ] as const) {
      if (text === null) unlinkSync(join(dir, MANIFEST));
      else writeFileSync(join(dir, MANIFEST), text);
      expect((await check()).problems).toEqual([STALE(MANIFEST, how)]);
    }
    expect(loads).toBe(3); // the first still vouched (same hashes), only its text is not the one written
  });

  it('a manifest forged to match a hand edit fools only the fast path: --full finds the file', async () => {
    edit(CLIENT, (s) => `// edited by hand\n${s}`);
    const m = readManifest(dir)!;
    m.files[CLIENT] = createHash('sha256')
      .update(readFileSync(join(dir, CLIENT)))
      .digest('hex');
    writeFileSync(join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    expect((await check()).ok).toBe(true); // what a manifest is: a record believed while it matches
    expect((await check({ full: true })).problems.sort()).toEqual([STALE(MANIFEST), STALE(CLIENT)]);
  });
});

describe('the emitter hash (codegen/manifest.ts)', () => {
  it('changes with any file under the emit directory, but not with line endings', () => {
    const emitDir = mkdtempSync(join(tmpdir(), 'codegen-emit-'));
    scratch.push(emitDir);
    mkdirSync(join(emitDir, 'sub'));
    writeFileSync(join(emitDir, 'a.ts'), 'export const a = 1;\n// why\n');
    writeFileSync(join(emitDir, 'sub/b.ts'), 'export {};\n');
    const before = emitterHash(emitDir);
    expect(emitterHash(emitDir)).toBe(before);
    writeFileSync(join(emitDir, 'a.ts'), 'export const a = 1;\r\n// why\r\n');
    expect(emitterHash(emitDir)).toBe(before);
    writeFileSync(join(emitDir, 'a.ts'), 'export const a = 1;\n// why not\n');
    expect(emitterHash(emitDir)).not.toBe(before);
    writeFileSync(join(emitDir, 'a.ts'), 'export const a = 1;\n// why\n');
    cpSync(join(emitDir, 'sub/b.ts'), join(emitDir, 'sub/c.ts'));
    expect(emitterHash(emitDir)).not.toBe(before);
  });
});

// The real tree: committed outputs, the real emitter (ts-morph), in process.
describe('the committed generated files', { timeout: 120_000 }, () => {
  it('are what ts-morph emits from the committed spec, and the committed manifest says so', () => {
    const specText = read(SPEC_OUT);
    const files = new Map([...realEmit(JSON.parse(specText) as Spec)].map(([rel, text]) => [join(GENERATED_DIR, rel).replaceAll('\\', '/'), text]));
    for (const [rel, text] of files) expect(read(rel), rel).toBe(text);
    expect(read(MANIFEST)).toBe(manifestText(specText, emitterHash(), hashesOf(files)));
    expect(unvouched(ROOT, specText, emitterHash())).toBeNull();
  });
});
