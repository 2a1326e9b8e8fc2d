// TypeRef -> TypeScript source text.
import type { Param, TypeRef } from '../spec/types.js';

export function typeText(t: TypeRef): string {
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'ref':
      return t.name;
    case 'literal':
      return typeof t.value === 'string' ? quote(t.value) : String(t.value);
    case 'promise':
      return `Promise<${typeText(t.of)}>`;
    case 'array': {
      const inner = typeText(t.of);
      return /[\s|=]/.test(inner) ? `Array<${inner}>` : `${inner}[]`;
    }
    case 'union':
      return t.of.map((u) => (u.kind === 'function' ? `(${typeText(u)})` : typeText(u))).join(' | ');
    case 'function':
      return `(${paramsText(t.params)}) => ${typeText(t.returns)}`;
  }
}

export function paramsText(params: readonly Param[]): string {
  return params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeText(p.type)}`).join(', ');
}

/** The object types a TypeRef mentions, for imports. */
export function refsOf(t: TypeRef, out: Set<string> = new Set()): Set<string> {
  switch (t.kind) {
    case 'ref':
      out.add(t.name);
      break;
    case 'promise':
    case 'array':
      refsOf(t.of, out);
      break;
    case 'union':
      t.of.forEach((u) => refsOf(u, out));
      break;
    case 'function':
      t.params.forEach((p) => refsOf(p.type, out));
      refsOf(t.returns, out);
      break;
    default:
      break;
  }
  return out;
}

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}
