// The JSON Schemas, generated from the TypeScript types (one source: codegen/spec/schemagen.ts):
// spec/spec.schema.json from codegen/spec/types.ts, spec/overrides.schema.json from the
// overrides file's types in codegen/reconcile/overrides.ts. npm run codegen writes both files (and
// --check fails when they are stale); the checks here use the generated schemas directly. Also
// writes a Spec as canonical JSON: keys sorted, arrays in their meaningful order, two-space
// indent, final newline. Same spec, same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { OVERRIDES_SCHEMA_OUT, SPEC_SCHEMA_OUT } from '../paths.js';
import { kept } from '../kept.js';
import { schemaFromTs } from './schemagen.js';

export const SPEC_SCHEMA = SPEC_SCHEMA_OUT;
export const OVERRIDES_SCHEMA = OVERRIDES_SCHEMA_OUT;

const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');

let spec: object | undefined;
let overrides: object | undefined;

// Generating a schema parses its source with TypeScript (~0.03 s of a cold run): the CLI keeps the
// result (codegen/kept.ts), named by the source, the generator's code and the packages.
const SCHEMAGEN = fileURLToPath(new URL('./schemagen.ts', import.meta.url));
const generated = (source: string, root: string, meta: { id: string; description: string }): object =>
  kept('schema', SCHEMAGEN, JSON.stringify([source, root, meta]), () => schemaFromTs(source, root, meta), (v) => typeof v === 'object' && v !== null && (v as { $id?: unknown }).$id === meta.id);

export function specSchema(): object {
  spec ??= generated(read('./types.ts'), 'Spec', {
    id: 'https://mprtc.invalid/spec.schema.json',
    description: 'The reconciled API spec the parser writes and the emitter reads. Generated from codegen/spec/types.ts by npm run codegen: do not edit.',
  });
  return spec;
}

export function overridesSchema(): object {
  overrides ??= generated(read('../reconcile/overrides.ts'), 'OverridesFile', {
    id: 'https://mprtc.invalid/overrides.schema.json',
    description: 'spec/overrides.json: the reviewed answers to the diagnostics and the errata. Generated from codegen/reconcile/overrides.ts by npm run codegen: do not edit.',
  });
  return overrides;
}

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const compiled = new Map<object, Validator>();
const require = createRequire(import.meta.url);
const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true };
/** Next to the --check stamp: never committed, gone with a fresh clone or `npm ci`. */
const VALIDATORS = fileURLToPath(new URL('../../node_modules/.cache/mprtc-codegen/', import.meta.url));

// Compiling a schema costs ajv over 0.1 s per process; the code it compiles to does not change
// while the schema and ajv do not. So the first run keeps that code (ajv's standalone module) in
// the cache, named by a hash of the schema, the options and ajv's version, and later runs load it:
// the same validator, the same errors. ajv itself is loaded only to compile.
function compile(schema: object): Validator {
  const version = (require('ajv/package.json') as { version: string }).version;
  const key = createHash('sha256').update(`${version}\0${JSON.stringify(AJV_OPTIONS)}\0${JSON.stringify(schema)}`).digest('hex');
  const file = join(VALIDATORS, `validate-${key.slice(0, 16)}.cjs`);
  try {
    return require(file) as Validator;
  } catch {
    // Not compiled yet (or unreadable): compile now.
  }
  const { Ajv } = require('ajv') as typeof import('ajv');
  const standalone = require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const v = ajv.compile(schema);
  try {
    mkdirSync(VALIDATORS, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, standalone.default(ajv, v));
    renameSync(tmp, file); // atomic: a concurrent run reads a whole file or none
  } catch {
    // A read-only cache: the next run compiles again.
  }
  return v;
}

/** Schema errors of `data` against `schema` (ajv, every error). */
export function schemaErrors(schema: object, data: unknown): ErrorObject[] {
  let v = compiled.get(schema);
  if (!v) {
    v = compile(schema);
    compiled.set(schema, v);
  }
  return v(data) ? [] : [...(v.errors ?? [])];
}

/** Schema errors as "path: message" lines; empty when the spec is valid. */
export function validateSpec(data: unknown): string[] {
  return schemaErrors(specSchema(), data).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 2) + '\n';
}
