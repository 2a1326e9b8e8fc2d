// npm run codegen [-- --check [--full]]: docs -> spec/client.spec.json -> src/generated/. Exits
// non-zero with every problem listed (unresolved diagnostics, stale or redundant overrides, stale
// files). The pipeline (TypeScript's parser, remark, ajv) is imported only after the --check fast
// path (codegen/stamp.ts) has found that it cannot answer. `npm run codegen` runs this file from
// a bundle (codegen/launch.mjs); `node --import tsx codegen/cli.ts` runs the sources as they are.
import { fileURLToPath } from 'node:url';
import { fingerprint, readStamp, sameFingerprint, STAMP_FILE, writeStamp } from './stamp.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
// --full: never trust the stamp (run the whole check even on a tree a check already passed).
const full = args.includes('--full');
// --root <dir>: another checkout (tests run the CLI on a scratch copy).
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 && args[rootAt + 1] ? args[rootAt + 1]! : fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const before = fingerprint(root);
  if (check && !full) {
    const stamp = readStamp(root);
    if (stamp && sameFingerprint(stamp, before)) {
      console.log(`codegen: spec and generated files are up to date (unchanged since the last full check: ${STAMP_FILE}; --full to run it again)`);
      return;
    }
  }
  const { run } = await import('./reconcile/run.js');
  const { emit } = await import('./emit/index.js');
  // run() compiles the emitted files (verify) only when one would change.
  const { verifyGenerated } = await import('./emit/verify.js');
  const r = run({ root, check, emit, verify: verifyGenerated, log: (l) => console.log(`codegen: ${l}`) });
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
