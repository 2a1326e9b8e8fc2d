// The JSON Schemas, generated from the TypeScript types (one source: codegen/spec/schemagen.ts):
// spec/spec.schema.json from codegen/spec/types.ts, spec/overrides.schema.json from the
// overrides file's types in codegen/reconcile/overrides.ts. npm run codegen writes both files (and
// --check fails when they are stale); the checks here use the generated schemas directly. Also
// writes a Spec as canonical JSON: keys sorted, arrays in their meaningful order, two-space
// indent, final newline. Same spec, same bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { OVERRIDES_SCHEMA_OUT, SPEC_SCHEMA_OUT } from '../paths.js';
import { schemaFromTs } from './schemagen.js';

export const SPEC_SCHEMA = SPEC_SCHEMA_OUT;
export const OVERRIDES_SCHEMA = OVERRIDES_SCHEMA_OUT;

const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');

let spec: object | undefined;
let overrides: object | undefined;

export function specSchema(): object {
  spec ??= schemaFromTs(read('./types.ts'), 'Spec', {
    id: 'https://mprtc.invalid/spec.schema.json',
    description: 'The reconciled API spec the parser writes and the emitter reads. Generated from codegen/spec/types.ts by npm run codegen: do not edit.',
  });
  return spec;
}

export function overridesSchema(): object {
  overrides ??= schemaFromTs(read('../reconcile/overrides.ts'), 'OverridesFile', {
    id: 'https://mprtc.invalid/overrides.schema.json',
    description: 'spec/overrides.json: the reviewed answers to the diagnostics and the errata. Generated from codegen/reconcile/overrides.ts by npm run codegen: do not edit.',
  });
  return overrides;
}

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const compiled = new Map<object, Validator>();

/** Schema errors of `data` against `schema` (ajv, every error). */
export function schemaErrors(schema: object, data: unknown): ErrorObject[] {
  let v = compiled.get(schema);
  if (!v) {
    v = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
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
