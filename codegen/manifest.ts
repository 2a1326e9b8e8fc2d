// spec/generated.manifest.json: the provenance of the generated files, so that --check need not
// load the emitter (ts-morph and the TypeScript it bundles: over a second of a cold run) to know
// they are current. `npm run codegen` writes it with the files: the sha256 of the spec they were
// emitted from (spec/client.spec.json's text), of the emitter (every file under codegen/emit and
// the versions of ts-morph and @ts-morph/common) and of each file as written. The emitter is a
// pure function of the spec, so while the spec the docs give now, the emitter here and every file
// on disk (and no other) hash as recorded, emitting again would give the same bytes. Any
// difference, or a missing or unreadable manifest, and the check emits and compares as always.
// Only node:crypto/fs/path/url here: this module is read on every check.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIR, MANIFEST, PROTOCOL_GENERATED_DIR } from './paths.js';
import { findPackage } from './stamp.js';

/** Bumped when what the manifest records changes: an older one then vouches for nothing. */
export const MANIFEST_FORMAT = 1;

export interface Manifest {
  format: number;
  /** sha256 of the spec's canonical JSON (spec/client.spec.json as written). */
  spec: string;
  /** sha256 of codegen/emit/** and the ts-morph versions (emitterHash). */
  emitter: string;
  /** The ts-morph version the files were emitted with (in the emitter hash too; here for people). */
  tsMorph: string;
  /** Repository-relative path of every generated file -> sha256 of its bytes. */
  files: Record<string, string>;
}

const EMIT_DIR = fileURLToPath(new URL('./emit/', import.meta.url));
const posix = (p: string) => p.split(sep).join('/');
export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const version = (name: string): string => {
  const found = findPackage(name);
  return found ? ((JSON.parse(readFileSync(found.file, 'utf8')) as { version?: string }).version ?? 'unknown') : 'absent';
};

/** The ts-morph version the emitter runs with, as "ts-morph 28.0.0, @ts-morph/common 0.29.0". */
export const tsMorphVersion = (): string => `ts-morph ${version('ts-morph')}, @ts-morph/common ${version('@ts-morph/common')}`;

/**
 * What decides the emitter's output: its sources (by name and text; line endings do not count,
 * so a checkout that converts them still matches) and the ts-morph that prints and formats.
 */
export function emitterHash(dir = EMIT_DIR): string {
  const h = createHash('sha256').update(`format ${MANIFEST_FORMAT}\0${tsMorphVersion()}\0`);
  for (const file of walk(dir).sort()) {
    const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    h.update(`${posix(relative(dir, file))}\0${text.length}\0${text}\0`);
  }
  return h.digest('hex');
}

/** Every file under the generated directories, repository-relative, sorted. */
export function generatedOnDisk(root: string): string[] {
  return [GENERATED_DIR, PROTOCOL_GENERATED_DIR]
    .flatMap((d) => walk(join(root, d)))
    .map((abs) => posix(relative(root, abs)))
    .sort();
}

/** Repository-relative path -> sha256, for files given as path -> content. */
export const hashesOf = (files: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...files.keys()].sort().map((rel) => [rel, sha256(files.get(rel)!)]));

/** The manifest's text for generated files with these hashes, emitted from the spec with this text. */
export function manifestText(specText: string, emitter: string, files: Record<string, string>): string {
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    spec: sha256(specText),
    emitter,
    tsMorph: tsMorphVersion(),
    files: Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((rel) => [rel, files[rel]!]),
    ),
  };
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** The root's manifest, or null when there is none or it is not one (never throws). */
export function readManifest(root: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8')) as Partial<Manifest>;
    const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
    if (m.format !== MANIFEST_FORMAT || !hex(m.spec) || !hex(m.emitter) || typeof m.tsMorph !== 'string') return null;
    if (!m.files || typeof m.files !== 'object' || Array.isArray(m.files) || !Object.values(m.files).every(hex)) return null;
    return m as Manifest;
  } catch {
    return null;
  }
}

/**
 * Why the generated files on disk cannot be vouched for without emitting (null: they can): they
 * are exactly the files the manifest lists, with the recorded bytes, emitted from this spec by
 * this emitter.
 */
export function unvouched(root: string, specText: string, emitter: string): string | null {
  const m = readManifest(root);
  if (!m) return `no readable ${MANIFEST}`;
  if (m.spec !== sha256(specText)) return 'the spec changed';
  if (m.emitter !== emitter) return 'the emitter changed';
  const listed = Object.keys(m.files).sort();
  const onDisk = generatedOnDisk(root);
  if (listed.join('\0') !== onDisk.join('\0')) return 'generated files were added or removed';
  for (const rel of listed) {
    if (sha256(readFileSync(join(root, rel))) !== m.files[rel]) return `${rel} changed`;
  }
  return null;
}
