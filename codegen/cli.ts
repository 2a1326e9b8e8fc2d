// npm run codegen [-- --check]: docs -> spec/client.spec.json -> src/generated/. Exits non-zero
// with every problem listed (unresolved diagnostics, stale or redundant overrides, stale files).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run, type Emit, type Verify } from './reconcile/run.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
// --root <dir>: another checkout (tests run the CLI on a scratch copy).
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 && args[rootAt + 1] ? args[rootAt + 1]! : fileURLToPath(new URL('..', import.meta.url));

// Imported dynamically: the parser works (and is tested) whether or not the emitter exists.
async function loadEmitter(): Promise<Emit | null> {
  const path = fileURLToPath(new URL('./emit/index.ts', import.meta.url));
  if (!existsSync(path)) return null;
  const mod = (await import(pathToFileURL(path).href)) as { emit?: Emit };
  return typeof mod.emit === 'function' ? mod.emit : null;
}

// The compile check of what the emitter produced (run() calls it only when a file would change).
async function loadVerify(): Promise<Verify | undefined> {
  const mod = (await import(pathToFileURL(fileURLToPath(new URL('./emit/verify.ts', import.meta.url))).href)) as { verifyGenerated?: Verify };
  return mod.verifyGenerated;
}

try {
  const emit = await loadEmitter();
  if (!emit) console.log('codegen: no emitter (codegen/emit/index.ts) yet: writing the spec only');
  const verify = emit ? await loadVerify() : undefined;
  const r = run({ root, check, emit, ...(verify ? { verify } : {}), log: (l) => console.log(`codegen: ${l}`) });
  for (const p of r.problems) console.error(p);
  if (!r.ok) {
    console.error(`codegen: FAILED with ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
  } else console.log(check ? 'codegen: spec and generated files are up to date' : `codegen: ${r.changed.length ? `${r.changed.length} file(s) updated` : 'nothing changed'}`);
} catch (e) {
  // A crash here is a bug in codegen, not in the docs: say so plainly.
  console.error(`codegen: internal error: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 2;
}
