// How long a full regeneration takes: the cold command a maintainer runs, and the warm
// in-process pipeline (parse + reconcile + emit) without Node and ts-morph start-up.
// Run: npx tsx bench/codegen.ts
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { emit } from '../codegen/emit/index.js';
import { build } from '../codegen/reconcile/index.js';
import { OVERRIDES, readSources } from '../codegen/reconcile/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cold: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  execFileSync(process.execPath, ['--import', 'tsx', 'codegen/cli.ts', '--check'], { cwd: root, stdio: 'ignore' });
  cold.push(performance.now() - t);
}

const overrides = readFileSync(`${root}/${OVERRIDES}`, 'utf8');
const parse: number[] = [];
const gen: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const r = build(readSources(root), OVERRIDES, overrides);
  const t1 = performance.now();
  emit(r.spec!);
  gen.push(performance.now() - t1);
  parse.push(t1 - t0);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpus().length} cores, ${cpu}, Node ${process.version}`);
console.log(`npm run codegen -- --check (cold process), median of 5: ${median(cold).toFixed(0)} ms`);
console.log(`parse + reconcile (warm), median of 20: ${median(parse).toFixed(1)} ms`);
console.log(`emit with ts-morph (warm), median of 20: ${median(gen).toFixed(1)} ms`);
