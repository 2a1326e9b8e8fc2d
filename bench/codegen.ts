// How long a full regeneration takes: the cold command a maintainer runs, and the warm
// in-process pipeline (parse + reconcile + emit) without Node and ts-morph start-up.
// Run: npx tsx bench/codegen.ts [coldRuns=5] [warmRuns=20]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { emit } from '../codegen/emit/index.js';
import { build } from '../codegen/reconcile/index.js';
import { OVERRIDES, readSources } from '../codegen/reconcile/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const COLD = Number(process.argv[2] ?? 5);
const WARM = Number(process.argv[3] ?? 20);

const cold: number[] = [];
for (let i = 0; i < COLD; i++) {
  const t = performance.now();
  // A check that finds the generated files stale has still done all its work: the time counts.
  spawnSync(process.execPath, ['--import', 'tsx', 'codegen/cli.ts', '--check'], { cwd: root, stdio: 'ignore' });
  cold.push(performance.now() - t);
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
console.log(`machine: ${cpus().length} cores, ${cpu}, Node ${process.version}`);
console.log(`npm run codegen -- --check (cold process), median of ${COLD}: ${median(cold).toFixed(0)} ms`);
console.log(`parse + reconcile (warm), median of ${WARM}: ${median(parse).toFixed(1)} ms`);
console.log(`emit with ts-morph (warm), median of ${WARM}: ${median(gen).toFixed(1)} ms`);
