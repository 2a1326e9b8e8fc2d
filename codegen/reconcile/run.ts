// The codegen pipeline over a repository root: read spec/docs, reconcile with the overrides,
// schema-check, write (or, with check, compare) spec/client.spec.json and src/generated/*. The
// emitter is loaded only when spec/generated.manifest.json cannot vouch for the generated files
// (codegen/manifest.ts), or with full.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Spec } from '../spec/types.js';
import { canonicalJson, OVERRIDES_SCHEMA, overridesSchema, SPEC_SCHEMA, specSchema, validateSpec } from '../spec/schema.js';
import { hashesOf, manifestText, readManifest, unvouched } from '../manifest.js';
import { build } from './index.js';

import { DOCS_DIR, GENERATED_DIR, MANIFEST, OVERRIDES, PROTOCOL_GENERATED_DIR, SPEC_OUT } from '../paths.js';

export { DOCS_DIR, GENERATED_DIR, MANIFEST, OVERRIDES, PROTOCOL_GENERATED_DIR, SPEC_OUT };

export type Emit = (spec: Spec) => Map<string, string>;
/** Compiles the emitted files (repository-relative path -> content); every error as file:line. */
export type Verify = (files: ReadonlyMap<string, string>) => { file: string; line: number; message: string }[];

/** The emitter as run() needs it: what it is (for the manifest) and how to get it. */
export interface Emitter {
  /** Changes whenever its output could (codegen/manifest.ts emitterHash). */
  hash: string;
  /** Called at most once per run, and only when the generated files must be emitted to be known. */
  load: () => Emit | Promise<Emit>;
}

export interface RunOptions {
  root: string;
  check: boolean;
  /** Emit even when the manifest vouches for the generated files (--full). */
  full?: boolean;
  /** The emitter; null when there is none (then only the spec and schemas are written). */
  emitter: Emitter | null;
  /** Compiles what the emitter produced before anything is written (codegen/emit/verify.ts). */
  verify?: Verify;
  log?: (line: string) => void;
}

export interface RunResult {
  ok: boolean;
  /** Every problem and every stale file, one line each. */
  problems: string[];
  /** Files written (or, with check, that would be written or deleted). */
  changed: string[];
  /** Whether the emitter was loaded and run (false: the manifest vouched for the files). */
  emitted: boolean;
  spec?: Spec;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

const posix = (p: string) => p.split(sep).join('/');

export function readSources(root: string): { file: string; text: string }[] {
  return readdirSync(join(root, DOCS_DIR))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({ file: `${DOCS_DIR}/${f}`, text: readFileSync(join(root, DOCS_DIR, f), 'utf8') }));
}

export async function run(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const overridesPath = join(opts.root, OVERRIDES);
  const result = build(readSources(opts.root), OVERRIDES, existsSync(overridesPath) ? readFileSync(overridesPath, 'utf8') : undefined);
  if (!result.spec) return { ok: false, problems: result.problems, changed: [], emitted: false };
  const schemaErrors = validateSpec(result.spec);
  if (schemaErrors.length) return { ok: false, problems: schemaErrors.map((e) => `${SPEC_OUT}: SPEC_SCHEMA ${e}`), changed: [], emitted: false };
  log(`${result.diagnostics.length} diagnostics, each resolved by ${OVERRIDES} or a codegen rule; ${result.spec.errata.length} errata applied`);

  // The schemas are generated from the TypeScript types, like the code.
  const specText = canonicalJson(result.spec);
  const wanted = new Map<string, string>([
    [SPEC_OUT, specText],
    [SPEC_SCHEMA, JSON.stringify(specSchema(), null, 2) + '\n'],
    [OVERRIDES_SCHEMA, JSON.stringify(overridesSchema(), null, 2) + '\n'],
  ]);
  let emitted = false;
  if (opts.emitter) {
    const why = opts.full ? '--full' : unvouched(opts.root, specText, opts.emitter.hash);
    if (why === null) {
      // Same spec, same emitter, same bytes: emitting would give what is there. The manifest is
      // compared like any output (a hand edit of it is still a stale file).
      const recorded = readManifest(opts.root)!.files;
      wanted.set(MANIFEST, manifestText(specText, opts.emitter.hash, recorded));
      log(`${Object.keys(recorded).length} generated files vouched for by ${MANIFEST} (same spec, emitter and bytes): not emitted`);
    } else {
      const emit = await opts.emitter.load();
      const files = new Map([...emit(result.spec)].map(([rel, content]) => [posix(join(GENERATED_DIR, rel)), content]));
      for (const [rel, content] of files) wanted.set(rel, content);
      wanted.set(MANIFEST, manifestText(specText, opts.emitter.hash, hashesOf(files)));
      emitted = true;
      log(`emitted ${files.size} files (${why})`);
    }
  }
  const changed: string[] = [];
  const problems: string[] = [];
  const differs = (rel: string, content: string) => {
    const abs = join(opts.root, rel);
    return !existsSync(abs) || readFileSync(abs, 'utf8') !== content;
  };
  // Generated code that does not compile is never written. Unchanged files were compiled when
  // they were written (and npm run typecheck compiles them with the real runtime), so --check
  // on an up-to-date tree stays fast.
  const code = (rel: string) => rel.endsWith('.ts');
  if (emitted && opts.verify && [...wanted].some(([rel, content]) => code(rel) && differs(rel, content))) {
    const errors = opts.verify(new Map([...wanted].filter(([rel]) => code(rel))));
    if (errors.length) {
      return {
        ok: false,
        problems: errors.map(
          (e) => `${e.file}:${e.line}: GENERATED_INVALID: ${e.message} (nothing was written: fix the emitter in codegen/emit, or the spec it was given)`,
        ),
        changed: [],
        emitted,
      };
    }
  }
  for (const [rel, content] of wanted) {
    const abs = join(opts.root, rel);
    const now = existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
    if (now === content) continue;
    changed.push(rel);
    if (opts.check) problems.push(`${rel}: STALE_FILE ${now === undefined ? 'missing' : 'out of date'}: run npm run codegen`);
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
      log(`wrote ${rel}`);
    }
  }
  // Files no longer generated (when the manifest vouched, there are none: it lists every file on disk).
  if (emitted) {
    for (const abs of [GENERATED_DIR, PROTOCOL_GENERATED_DIR].flatMap((d) => listFiles(join(opts.root, d)))) {
      const rel = posix(relative(opts.root, abs));
      if (wanted.has(rel)) continue;
      changed.push(rel);
      if (opts.check) problems.push(`${rel}: STALE_FILE no longer generated: run npm run codegen`);
      else {
        rmSync(abs);
        log(`deleted ${rel}`);
      }
    }
  }
  return { ok: problems.length === 0, problems, changed, emitted, spec: result.spec };
}
