// Checks a call's arguments against the rules the codegen derived from the docs
// (src/generated/rules.ts). Data from the generator, logic here: the bundle stays small.
import { describe, invalid, isObject } from './errors.js';

export type Primitive = 'string' | 'number' | 'boolean' | 'function' | 'unknown';

export interface ObjectRule {
  /** The documented type name, for messages. */
  type_: string;
  /** Extra keys allowed (WeChat's netstatus info grows between versions). */
  open_?: true;
  fields_: Readonly<Record<string, FieldRule>>;
}

/** A closed set of values, such as the EVENTS values `on` accepts. */
export interface OneOfRule {
  type_: string;
  oneOf_: readonly (string | number)[];
}

export type Rule = Primitive | ObjectRule | OneOfRule;

export interface FieldRule {
  rule_: Rule;
  /** Absent: required. */
  optional_?: true;
  /** Applied to the copy when the caller left the field out. */
  default_?: unknown;
  /** A number that must be whole, from 1 to this (the runtime's own options; not from the docs). */
  max_?: number;
}

export interface ParamRule extends FieldRule {
  name_: string;
}

// A property read, not `'oneOf_' in rule`: the minifier renames the member, never a string.
const isOneOf = (rule: ObjectRule | OneOfRule): rule is OneOfRule => (rule as OneOfRule).oneOf_ !== undefined;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function fail(where: string, message: string): never {
  throw invalid(where, message);
}

/** The value to pass on (a fresh copy for objects); throws INVALID_PARAMS naming `where`. */
export function check(value: unknown, rule: Rule, where: string): unknown {
  if (typeof rule === 'string') {
    const good = rule === 'unknown' || (rule === 'number' ? Number.isFinite(value) : typeof value === rule);
    return good ? value : fail(where, `expected a ${rule}, got ${describe(value)}`);
  }
  if (isOneOf(rule)) {
    if (rule.oneOf_.indexOf(value as string | number) >= 0) return value;
    return fail(where, `expected an ${rule.type_} value, got ${describe(value)}`);
  }
  if (!isObject(value)) return fail(where, `expected a ${rule.type_} object, got ${describe(value)}`);
  // A copy: the caller's object is never mutated, and later changes to it do not reach us.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (hasOwn(rule.fields_, key)) continue;
    if (!rule.open_) fail(where, `unknown key "${key}" in ${rule.type_}`);
    copy[key] = value[key];
  }
  for (const key of Object.keys(rule.fields_)) {
    const v = field(hasOwn(value, key) ? value[key] : undefined, rule.fields_[key]!, `${where}.${key}`);
    if (v !== undefined) copy[key] = v;
  }
  return copy;
}

/** A parameter or field: checked when given, else its default (or refused when it is required). */
function field(value: unknown, f: FieldRule, where: string): unknown {
  if (value !== undefined) {
    const max = f.max_;
    if (max && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max)) fail(where, `must be a whole number from 1 to ${max}`);
    return check(value, f.rule_, where);
  }
  if (!f.optional_) fail(where, 'is required');
  // An option object left out (default `{}`): a fresh copy with every field's default.
  return isObject(f.default_) ? check(f.default_, f.rule_, where) : f.default_;
}

/** The arguments to hand to the runtime (defaults applied, objects copied); throws INVALID_PARAMS. */
export function checkArgs(method: string, rules: readonly ParamRule[], args: readonly unknown[]): unknown[] {
  return rules.map((p, i) => field(args[i], p, `${method}(${p.name_})`));
}
