// npm run codegen [-- --check [--full | --no-stamp]]: docs -> spec/client.spec.json -> src/generated/.
// Exits non-zero with every problem listed (unresolved diagnostics, stale or redundant overrides,
// stale files). Each step is loaded only when the one before cannot answer: the --check stamp
// (codegen/stamp.ts: nothing changed since the last passing check), then the pipeline (TypeScript's
// parser, remark, ajv) with the manifest (codegen/manifest.ts: the generated files are what this
// spec and this emitter made), and only then the emitter (ts-morph). `npm run codegen` runs this
// file from a bundle (codegen/launch.mjs); `node --import tsx codegen/cli.ts` runs the sources.
import { fileURLToPath } from 'node:url';
import { emitterHash } from './manifest.js';
import { fingerprint, readStamp, sameFingerprint, STAMP_FILE, writeStamp } from './stamp.js';
import { markDeepRun } from './v8-cache.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
// --full: trust neither the stamp nor the manifest: parse, emit with ts-morph and compare everything.
const full = args.includes('--full');
// --no-stamp: skip the stamp only (the manifest still spares the emit): what a fresh clone's check costs.
const noStamp = args.includes('--no-stamp');
// --root <dir>: another checkout (tests run the CLI on a scratch copy).
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 && args[rootAt + 1] ? args[rootAt + 1]! : fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const before = fingerprint(root);
  if (check && !full && !noStamp) {
    const stamp = readStamp(root);
    if (stamp && sameFingerprint(stamp, before)) {
      console.log(`codegen: spec and generated files are up to date (unchanged since the last full check: ${STAMP_FILE}; --full to run it again)`);
      return;
    }
  }
  const { run } = await import('./reconcile/run.js');
  (await import('./kept.js')).keepComputed();
  // run() compiles the emitted files (verify) only when one would change. The compile check uses
  // the TypeScript the parser has loaded already; the emitter (ts-morph) is loaded only if needed.
  const { verifyGenerated } = await import('./emit/verify.js');
  const emitter = { hash: emitterHash(), load: async () => (await import('./emit/index.js')).emit };
  // A run that compiles the emitted files uses the most of TypeScript and of codegen: its code
  // caches replace those a shallower run wrote (codegen/v8-cache.mjs).
  const verify: typeof verifyGenerated = (files) => (markDeepRun(), verifyGenerated(files));
  const r = await run({ root, check, full, emitter, verify, log: (l) => console.log(`codegen: ${l}`) });
  for (const p of r.problems) console.error(p);
  if (!r.ok) {
    console.error(`codegen: FAILED with ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    check ? 'codegen: spec and generated files are up to date' : `codegen: ${r.changed.length ? `${r.changed.length} file(s) updated` : 'nothing changed'}`,
  );
  // Stamp only what this run saw: a check, if nothing changed meanwhile; a generate run, if the
  // inputs and the tool did not change while it ran (its outputs are what it just wrote).
  const after = fingerprint(root);
  const seen = check ? sameFingerprint(before, after) : before.tool === after.tool && before.inputs === after.inputs;
  if (seen && r.spec) writeStamp(root, after);
}

main().catch((e: unknown) => {
  // A crash here is a bug in codegen, not in the docs: say so plainly.
  console.error(`codegen: internal error: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 2;
});
