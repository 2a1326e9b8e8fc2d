// Checks a call's arguments against the rules the codegen derived from the docs
// (src/generated/rules.ts). Data from the generator, logic here: the bundle stays small.
import * as ERROR_CODES from './codes.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import { rtcError } from './errors.js';

export type Primitive = 'string' | 'number' | 'boolean' | 'function' | 'unknown';

export interface ObjectRule {
  /** The documented type name, for messages. */
  type: string;
  /** Extra keys allowed (WeChat's netstatus info grows between versions). */
  open: boolean;
  fields: Readonly<Record<string, FieldRule>>;
}

/** A closed set of values, such as the EVENTS values `on` accepts. */
export interface OneOfRule {
  type: string;
  oneOf: readonly (string | number)[];
}

export type Rule = Primitive | ObjectRule | OneOfRule;

export interface FieldRule {
  rule: Rule;
  optional: boolean;
  /** Applied to the copy when the caller left the field out. */
  default?: unknown;
}

export interface ParamRule extends FieldRule {
  name: string;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function fail(where: string, message: string): VolcEngineRTCError {
  return rtcError(ERROR_CODES.INVALID_PARAMS, `${where}: ${message}`);
}

/** Returns the value to pass on (a fresh copy for objects) or the error. */
function check(value: unknown, rule: Rule, where: string): { ok: unknown } | { err: VolcEngineRTCError } {
  if (typeof rule === 'string') {
    if (rule === 'unknown') return { ok: value };
    const good = rule === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === rule;
    return good ? { ok: value } : { err: fail(where, `expected a ${rule}, got ${describe(value)}`) };
  }
  if ('oneOf' in rule) {
    return rule.oneOf.indexOf(value as string | number) >= 0
      ? { ok: value }
      : { err: fail(where, `expected one of the ${rule.type} values, got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { err: fail(where, `expected a ${rule.type} object, got ${describe(value)}`) };
  }
  const source = value as Record<string, unknown>;
  // A copy: the caller's object is never mutated, and later changes to it do not reach us.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (hasOwn(rule.fields, key)) continue;
    if (!rule.open) return { err: fail(where, `unknown key "${key}" in ${rule.type}`) };
    copy[key] = source[key];
  }
  for (const key of Object.keys(rule.fields)) {
    const field = rule.fields[key]!;
    const present = hasOwn(source, key) && source[key] !== undefined;
    if (!present) {
      if (!field.optional) return { err: fail(`${where}.${key}`, `is required by ${rule.type}`) };
      if (field.default !== undefined) copy[key] = field.default;
      continue;
    }
    const r = check(source[key], field.rule, `${where}.${key}`);
    if ('err' in r) return r;
    copy[key] = r.ok;
  }
  return { ok: copy };
}

/** Checks positional arguments; returns the arguments to hand to the runtime, or the error. */
export function checkArgs(method: string, rules: readonly ParamRule[], args: readonly unknown[]): unknown[] | VolcEngineRTCError {
  const out: unknown[] = [];
  for (let i = 0; i < rules.length; i++) {
    const p = rules[i]!;
    const where = `${method}(${p.name})`;
    const value = args[i];
    if (value === undefined) {
      if (!p.optional) return fail(where, 'is required');
      // An option object left out (default `{}`): a fresh copy with every field's default.
      const def = typeof p.default === 'object' && p.default !== null ? check(p.default, p.rule, where) : { ok: p.default };
      if ('err' in def) return def.err;
      out.push(def.ok);
      continue;
    }
    const r = check(value, p.rule, where);
    if ('err' in r) return r.err;
    out.push(r.ok);
  }
  return out;
}
