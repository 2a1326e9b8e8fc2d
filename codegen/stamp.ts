// The --check fast path, before the manifest's (codegen/manifest.ts). A check parses every page and
// reconciles (and, when the manifest cannot vouch for the generated files, emits with ts-morph) and
// compares: a large part of a second as a cold process or more, mostly loading and warming the
// toolchain. After a run that left everything up to date, a stamp (local, never committed) records
// sha256 hashes of everything that decides the result: the inputs (spec/docs/*.md,
// spec/overrides.json), the outputs as they are (the spec, both schemas, the manifest, every file
// under the generated directories, so an added or deleted file counts too) and the tool (every file under codegen/, the resolved versions of the packages it loads,
// the installed-package lockfile, Node's major version). A later --check whose hashes all match
// has nothing new to find and exits at once; any difference, a missing or unreadable stamp, runs
// the full check. Only node:crypto/fs/path/url here: this module must stay cheap to load.
import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS_DIR, GENERATED_DIR, MANIFEST, OVERRIDES, OVERRIDES_SCHEMA_OUT, PROTOCOL_GENERATED_DIR, SPEC_OUT, SPEC_SCHEMA_OUT } from './paths.js';

/** Bumped when what the stamp covers changes: an older stamp is then ignored. */
export const STAMP_FORMAT = 3;
/** Under the checkout's node_modules: never committed, gone with a fresh clone or `npm ci`. */
export const STAMP_FILE = 'node_modules/.cache/mprtc-codegen/stamp.json';
/** The packages the pipeline loads (directly), and esbuild, which bundles it (codegen/launch.mjs). */
export const TOOL_PACKAGES = ['ts-morph', '@ts-morph/common', 'typescript', 'unified', 'remark-parse', 'remark-gfm', 'mdast-util-to-string', 'ajv', 'esbuild'];

export interface Fingerprint {
  format: number;
  tool: string;
  inputs: string;
  outputs: string;
}

const CODEGEN_DIR = fileURLToPath(new URL('.', import.meta.url));

const posix = (p: string) => p.split(sep).join('/');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Hashes files by their name (relative to base) and bytes; a missing file is hashed as missing. */
function addFiles(h: Hash, base: string, files: string[]): void {
  for (const abs of [...files].sort()) {
    const name = posix(relative(base, abs));
    if (!existsSync(abs)) {
      h.update(`missing\0${name}\0`);
      continue;
    }
    const bytes = readFileSync(abs);
    h.update(`file\0${name}\0${bytes.length}\0`);
    h.update(bytes);
  }
}

/** The package.json of `name` as Node would resolve it from codegen/, and its node_modules. */
export function findPackage(name: string): { file: string; nodeModules: string } | null {
  for (let dir = CODEGEN_DIR; ; dir = dirname(dir)) {
    const nodeModules = join(dir, 'node_modules');
    const file = join(nodeModules, name, 'package.json');
    if (existsSync(file)) return { file, nodeModules };
    if (dirname(dir) === dir) return null;
  }
}

/** The tool: the codegen sources that run, the packages they load, and Node. Same for every root. */
export function toolHash(): string {
  const h = createHash('sha256');
  h.update(`format ${STAMP_FORMAT}\0node ${process.versions.node.split('.')[0]}\0`);
  addFiles(h, CODEGEN_DIR, walk(CODEGEN_DIR));
  const locks = new Set<string>();
  for (const name of TOOL_PACKAGES) {
    const found = findPackage(name);
    const version = found ? (JSON.parse(readFileSync(found.file, 'utf8')) as { version?: string }).version : undefined;
    h.update(`package\0${name}\0${version ?? 'absent'}\0`);
    if (found) locks.add(join(found.nodeModules, '.package-lock.json'));
  }
  // npm's record of every installed package (transitive ones too: micromark, ...), when there is one.
  addFiles(
    h,
    CODEGEN_DIR,
    [...locks].filter((f) => existsSync(f)),
  );
  return h.digest('hex');
}

export function fingerprint(root: string): Fingerprint {
  const docs = join(root, DOCS_DIR);
  const inputs = createHash('sha256');
  addFiles(inputs, root, [
    join(root, OVERRIDES),
    ...(existsSync(docs)
      ? readdirSync(docs)
          .filter((f) => f.endsWith('.md'))
          .map((f) => join(docs, f))
      : []),
  ]);
  const outputs = createHash('sha256');
  addFiles(
    outputs,
    root,
    [SPEC_OUT, SPEC_SCHEMA_OUT, OVERRIDES_SCHEMA_OUT, MANIFEST].map((f) => join(root, f)),
  );
  for (const dir of [GENERATED_DIR, PROTOCOL_GENERATED_DIR]) {
    outputs.update(`dir\0${dir}\0`);
    addFiles(outputs, root, walk(join(root, dir)));
  }
  return { format: STAMP_FORMAT, tool: toolHash(), inputs: inputs.digest('hex'), outputs: outputs.digest('hex') };
}

export const sameFingerprint = (a: Fingerprint, b: Fingerprint): boolean =>
  a.format === b.format && a.tool === b.tool && a.inputs === b.inputs && a.outputs === b.outputs;

/** The stamp of a root, or null when there is none or it is unreadable (never throws). */
export function readStamp(root: string): Fingerprint | null {
  try {
    const s = JSON.parse(readFileSync(join(root, STAMP_FILE), 'utf8')) as Partial<Fingerprint>;
    if (typeof s.format !== 'number' || typeof s.tool !== 'string' || typeof s.inputs !== 'string' || typeof s.outputs !== 'string') return null;
    return { format: s.format, tool: s.tool, inputs: s.inputs, outputs: s.outputs };
  } catch {
    return null;
  }
}

/** True when root has a stamp equal to its fingerprint now: a full check would find nothing. */
export function upToDateByStamp(root: string): boolean {
  const stamp = readStamp(root);
  return stamp !== null && sameFingerprint(stamp, fingerprint(root));
}

/** Written atomically (rename), so a concurrent --check reads the old stamp or the new one. */
export function writeStamp(root: string, fp: Fingerprint): void {
  const file = join(root, STAMP_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(fp, null, 2) + '\n');
  renameSync(tmp, file);
}

export function removeStamp(root: string): void {
  rmSync(join(root, STAMP_FILE), { force: true });
}
