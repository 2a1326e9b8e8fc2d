// How long codegen takes: `npm run codegen -- --check` as the cold process a maintainer or CI runs,
// on an unchanged tree (answered from the stamp, codegen/stamp.ts) and in full (--full: what a
// fresh clone without a stamp, or any edit, costs), and the warm in-process pipeline (parse +
// reconcile + emit) without Node's start-up and the first-run warm-up.
// Run: npx tsx bench/codegen.ts [coldRuns=5] [warmRuns=20]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { emit } from '../codegen/emit/index.js';
import { build } from '../codegen/reconcile/index.js';
import { OVERRIDES, readSources } from '../codegen/reconcile/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const COLD = Number(process.argv[2] ?? 5);
const WARM = Number(process.argv[3] ?? 20);
const load = () => loadavg()[0]!.toFixed(1);
const loadBefore = load();

const timed = (argv: string[]): { ms: number; status: number | null } => {
  const t = performance.now();
  // A check that finds files stale has still done all its work: the time counts either way.
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, stdio: 'ignore' });
  return { ms: performance.now() - t, status: r.status };
};
// The command npm runs (package.json's "codegen": node and its arguments), without npm's own start-up.
const script = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.codegen!;
const codegen = [...script.split(/\s+/).slice(1), '--check'];
// One full check first: it writes the stamp when the tree is up to date (and warms the disk cache).
const primed = timed([process.execPath, ...codegen]).status === 0;

const floor: number[] = [];
const stamped: number[] = [];
const full: number[] = [];
for (let i = 0; i < COLD; i++) {
  // Interleaved, so a change in the machine's load hits all three alike.
  floor.push(timed([process.execPath, '-e', '0']).ms);
  stamped.push(timed([process.execPath, ...codegen]).ms);
  full.push(timed([process.execPath, ...codegen, '--full']).ms);
}

const overrides = readFileSync(`${root}/${OVERRIDES}`, 'utf8');
const parse: number[] = [];
const gen: number[] = [];
for (let i = 0; i < WARM; i++) {
  const t0 = performance.now();
  const r = build(readSources(root), OVERRIDES, overrides);
  const t1 = performance.now();
  emit(r.spec!);
  gen.push(performance.now() - t1);
  parse.push(t1 - t0);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpus().length} cores, ${cpu}, Node ${process.version}; load average ${loadBefore} before, ${load()} after`);
console.log(`command: node ${codegen.join(' ')} (package.json "codegen")`);
if (!primed) console.log('(the tree is not up to date: no stamp, so the first figure is a full check too)');
console.log(`npm run codegen -- --check (cold process), median of ${COLD}: ${median(stamped).toFixed(0)} ms (unchanged tree, from the stamp)`);
console.log(
  `npm run codegen -- --check --full (cold process), median of ${COLD}: ${median(full).toFixed(0)} ms (whole pipeline: a fresh clone or an edited tree)`,
);
console.log(`node -e 0 (cold process), median of ${COLD}: ${median(floor).toFixed(0)} ms`);
console.log(`parse + reconcile (warm), median of ${WARM}: ${median(parse).toFixed(1)} ms`);
console.log(`emit (warm), median of ${WARM}: ${median(gen).toFixed(1)} ms`);
