// How long codegen takes: `npm run codegen -- --check` as the cold process a maintainer or CI runs,
// on an unchanged tree answered from the local stamp (codegen/stamp.ts); with no stamp, answered
// by the committed manifest without loading ts-morph (--no-stamp: a fresh clone, CI); on a scratch
// copy whose page was edited (parse, emit with ts-morph, compile check, compare); and with --full
// (always emits); the second and third again with none of codegen's caches (a fresh clone's first
// runs); next to `node -e 0`, interleaved. Then the warm in-process pipeline (parse + reconcile,
// emit) without Node's start-up and the first-run warm-up.
// Run: npx tsx bench/codegen.ts [coldRuns=5] [warmRuns=20]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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

// CPU time (user + system) of the children waited for so far, in ms, from /proc/self/stat (Linux;
// NaN elsewhere): less at the mercy of the other processes on the machine than wall time.
const childCpu = (): number => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10; // cutime + cstime, at 100 ticks a second
  } catch {
    return NaN;
  }
};
const timed = (argv: string[]): { ms: number; cpu: number; status: number | null } => {
  const c = childCpu();
  const t = performance.now();
  // A check that finds files stale has still done all its work: the time counts either way.
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, stdio: 'ignore' });
  return { ms: performance.now() - t, cpu: childCpu() - c, status: r.status };
};
// The command npm runs (package.json's "codegen": node and its arguments), without npm's own start-up.
const script = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.codegen!;
const codegen = [...script.split(/\s+/).slice(1), '--check'];
// One full check first: it writes the stamp when the tree is up to date (and warms the disk cache).
const primed = timed([process.execPath, ...codegen]).status === 0;

// A scratch copy of what codegen reads and writes, with one page edited so that the spec and the
// generated client change (a method's description): the check emits, compiles and fails. Each run
// edits it anew, with text no run has seen, as a maintainer's edit is: the CLI keeps the Markdown
// trees of pages it has read (codegen/parse/tree-cache.ts), which must not spare the edited one.
const edited = mkdtempSync(join(tmpdir(), 'codegen-bench-'));
for (const rel of ['spec', 'src/generated', 'protocol/src/generated']) cpSync(join(root, rel), join(edited, rel), { recursive: true });
const page = join(edited, 'spec/docs/client.md');
const text = readFileSync(page, 'utf8');
const editPage = (run: number) => {
  writeFileSync(page, text.replace('初始化 client ，', `初始化 client（编辑 ${process.pid}.${run}），`));
  if (readFileSync(page, 'utf8') === text) throw new Error('bench: could not edit the scratch page');
};

// The same command with none of its caches (node_modules/.cache/mprtc-codegen: the bundle, the
// code caches, the validators, the kept trees), as in a fresh clone: a copy of codegen/ whose
// node_modules links every installed package but has a .cache of its own, emptied before each run.
const bare = mkdtempSync(join(tmpdir(), 'codegen-bench-bare-'));
cpSync(join(root, 'codegen'), join(bare, 'codegen'), { recursive: true });
cpSync(join(root, 'package.json'), join(bare, 'package.json'));
mkdirSync(join(bare, 'node_modules'));
for (const entry of readdirSync(join(root, 'node_modules'))) {
  if (entry !== '.cache') symlinkSync(join(root, 'node_modules', entry), join(bare, 'node_modules', entry));
}
const bareCodegen = [join(bare, codegen[0]!), ...codegen.slice(1)];
const withoutCaches = (argv: string[]) => {
  rmSync(join(bare, 'node_modules/.cache'), { recursive: true, force: true });
  return argv;
};

type Runs = { ms: number[]; cpu: number[] };
const runs = (): Runs => ({ ms: [], cpu: [] });
const [floor, stamped, manifest, docEdit, full, bareManifest, bareDocEdit] = [runs(), runs(), runs(), runs(), runs(), runs(), runs()];
let docEditStatus: number | null = null;
const into = (r: Runs, argv: string[]) => {
  const t = timed(argv);
  r.ms.push(t.ms);
  r.cpu.push(t.cpu);
  return t.status;
};
for (let i = 0; i < COLD; i++) {
  // Interleaved, so a change in the machine's load hits all of them alike.
  into(floor, [process.execPath, '-e', '0']);
  into(stamped, [process.execPath, ...codegen]);
  into(manifest, [process.execPath, ...codegen, '--no-stamp']);
  editPage(i);
  docEditStatus = into(docEdit, [process.execPath, ...codegen, '--root', edited]);
  into(full, [process.execPath, ...codegen, '--full']);
  into(bareManifest, withoutCaches([process.execPath, ...bareCodegen, '--no-stamp', '--root', root]));
  editPage(COLD + i);
  into(bareDocEdit, withoutCaches([process.execPath, ...bareCodegen, '--root', edited]));
}
rmSync(edited, { recursive: true, force: true });
rmSync(bare, { recursive: true, force: true });

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
const cold = (what: string, r: Runs, note: string) =>
  console.log(`${what} (cold process), median of ${COLD}: ${median(r.ms).toFixed(0)} ms, CPU ${median(r.cpu).toFixed(0)} ms (${note})`);
cold('npm run codegen -- --check', stamped, 'unchanged tree, from the stamp');
cold('npm run codegen -- --check --no-stamp', manifest, 'unchanged tree, no stamp: parse + reconcile, the manifest vouches, no ts-morph');
cold(
  'npm run codegen -- --check, one page edited',
  docEdit,
  `a new edit each run: parse + reconcile + emit with ts-morph + compile check; exit ${docEditStatus}`,
);
cold('npm run codegen -- --check --full', full, 'parse + reconcile + emit with ts-morph, always');
cold('npm run codegen -- --check --no-stamp, no caches', bareManifest, 'a fresh clone: bundle built, code caches, validators and trees written');
cold('npm run codegen -- --check, one page edited, no caches', bareDocEdit, 'as above, in a fresh clone');
cold('node -e 0', floor, 'the floor: Node starting and exiting');
console.log(`parse + reconcile (warm), median of ${WARM}: ${median(parse).toFixed(1)} ms`);
console.log(`emit with ts-morph (warm), median of ${WARM}: ${median(gen).toFixed(1)} ms`);
