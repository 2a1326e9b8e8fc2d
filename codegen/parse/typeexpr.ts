// TypeScript text from the docs (signature blocks, type cells, member-table returns) -> DType,
// through the TypeScript parser itself so that every spelling TS accepts is understood.
import { ts, type TS } from '../typescript.js';

/** A type as the doc wrote it: richer than the spec's TypeRef, so the linter can see defects. */
export type DType =
  | { kind: 'primitive'; name: 'string' | 'number' | 'boolean' | 'void' | 'unknown' }
  | { kind: 'any' } // TS `any`: never allowed into the spec
  | { kind: 'ref'; name: string }
  | { kind: 'function'; params: DParam[]; returns: DType }
  | { kind: 'anyFunction' } // a table's "function"
  | { kind: 'anyObject' } // a table's "object"
  | { kind: 'object'; fields: DParam[] } // an inline literal in a signature
  | { kind: 'promise'; of: DType }
  | { kind: 'array'; of: DType }
  | { kind: 'union'; of: DType[] }
  | { kind: 'literal'; value: string | number | boolean };

export interface DParam {
  name: string;
  /** Absent when the doc gave no type (`setUserVisibility(enable, ...)`). */
  type?: DType;
  optional: boolean;
}

export interface DSignature {
  /** null for the arrow form `(a: string) => boolean`. */
  name: string | null;
  params: DParam[];
  /** Absent when the block gives no return type. */
  returns?: DType;
}

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'void', 'unknown']);

function parseDiagnostics(sf: TS.SourceFile): number {
  return ((sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? []).length;
}

function nameOf(n: TS.PropertyName | TS.BindingName | TS.EntityName): string | null {
  if (ts.isIdentifier(n) || ts.isStringLiteral(n)) return n.text;
  if (ts.isQualifiedName(n)) return `${nameOf(n.left)}.${n.right.text}`;
  return null;
}

function paramOf(p: TS.ParameterDeclaration): DParam | null {
  const name = nameOf(p.name);
  if (name === null) return null;
  const type = p.type ? convert(p.type) : undefined;
  return { name, optional: !!p.questionToken || !!p.initializer, ...(type ? { type } : {}) };
}

function convert(node: TS.TypeNode): DType | undefined {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { kind: 'primitive', name: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { kind: 'primitive', name: 'number' };
    case ts.SyntaxKind.BooleanKeyword:
      return { kind: 'primitive', name: 'boolean' };
    case ts.SyntaxKind.VoidKeyword:
    case ts.SyntaxKind.UndefinedKeyword:
      return { kind: 'primitive', name: 'void' };
    case ts.SyntaxKind.UnknownKeyword:
      return { kind: 'primitive', name: 'unknown' };
    case ts.SyntaxKind.AnyKeyword:
      return { kind: 'any' };
    case ts.SyntaxKind.ObjectKeyword:
      return { kind: 'anyObject' };
  }
  if (ts.isParenthesizedTypeNode(node)) return convert(node.type);
  if (ts.isArrayTypeNode(node)) {
    const of = convert(node.elementType);
    return of && { kind: 'array', of };
  }
  if (ts.isUnionTypeNode(node)) {
    const of = node.types.map(convert);
    return of.every((t): t is DType => !!t) ? { kind: 'union', of } : undefined;
  }
  if (ts.isLiteralTypeNode(node)) {
    const l = node.literal;
    if (ts.isStringLiteral(l)) return { kind: 'literal', value: l.text };
    if (ts.isNumericLiteral(l)) return { kind: 'literal', value: Number(l.text) };
    if (l.kind === ts.SyntaxKind.TrueKeyword) return { kind: 'literal', value: true };
    if (l.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'literal', value: false };
    return undefined;
  }
  if (ts.isFunctionTypeNode(node)) {
    const params = node.parameters.map(paramOf);
    const returns = convert(node.type);
    if (!returns || params.some((p) => p === null)) return undefined;
    return { kind: 'function', params: params as DParam[], returns };
  }
  if (ts.isTypeLiteralNode(node)) {
    const fields: DParam[] = [];
    for (const m of node.members) {
      if (!ts.isPropertySignature(m) || !m.name) return undefined;
      const name = nameOf(m.name);
      if (name === null) return undefined;
      const type = m.type ? convert(m.type) : undefined;
      fields.push({ name, optional: !!m.questionToken, ...(type ? { type } : {}) });
    }
    return { kind: 'object', fields };
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = nameOf(node.typeName);
    if (name === null) return undefined;
    const args = node.typeArguments?.map(convert) ?? [];
    if (args.some((a) => !a)) return undefined;
    if (name === 'Promise' && args.length === 1) return { kind: 'promise', of: args[0]! };
    if (name === 'Array' && args.length === 1) return { kind: 'array', of: args[0]! };
    if (name === 'Function') return { kind: 'anyFunction' };
    if (name === 'Object') return { kind: 'anyObject' };
    if (args.length) return undefined;
    return { kind: 'ref', name };
  }
  return undefined;
}

/** A type written in a table cell or a member-table cell; undefined when it is not a type. */
export function parseType(text: string): DType | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return undefined;
  // Plain words the vendor uses in its Type column that are not TypeScript.
  if (/^function$/i.test(t)) return { kind: 'anyFunction' };
  if (/^object$/i.test(t)) return { kind: 'anyObject' };
  const sf = ts.createSourceFile('t.ts', `type __T = ${t};`, ts.ScriptTarget.Latest, true);
  if (parseDiagnostics(sf) || sf.statements.length !== 1) return undefined;
  const st = sf.statements[0]!;
  if (!ts.isTypeAliasDeclaration(st)) return undefined;
  return convert(st.type);
}

/**
 * A signature block: method form `init(appId: string, ...): void`, arrow form
 * `(businessId: string) => boolean`, untyped parameters, missing return types, trailing `;`.
 * Returns a reason string when the text is not one signature.
 */
export function parseSignature(text: string): DSignature | { error: string } {
  const body = text.trim().replace(/;\s*$/, '');
  if (!body) return { error: 'the block is empty' };
  if (body.startsWith('(') || body.startsWith('<')) {
    const sf = ts.createSourceFile('s.ts', `type __S = ${body};`, ts.ScriptTarget.Latest, true);
    const st = sf.statements[0];
    if (parseDiagnostics(sf) || sf.statements.length !== 1 || !st || !ts.isTypeAliasDeclaration(st) || !ts.isFunctionTypeNode(st.type)) {
      return { error: 'the block is not a function type' };
    }
    const params = st.type.parameters.map(paramOf);
    if (params.some((p) => p === null)) return { error: 'a parameter uses destructuring' };
    const returns = convert(st.type.type);
    return { name: null, params: params as DParam[], ...(returns ? { returns } : {}) };
  }
  const sf = ts.createSourceFile('s.ts', `declare function ${body};`, ts.ScriptTarget.Latest, true);
  const st = sf.statements[0];
  if (parseDiagnostics(sf) || sf.statements.length !== 1 || !st || !ts.isFunctionDeclaration(st) || !st.name) {
    return { error: 'the block is not one method signature' };
  }
  const params = st.parameters.map(paramOf);
  if (params.some((p) => p === null)) return { error: 'a parameter uses destructuring' };
  const returns = st.type ? convert(st.type) : undefined;
  if (st.type && !returns) return { error: 'the return type is not understood' };
  if (st.parameters.some((p) => p.type && !convert(p.type))) return { error: 'a parameter type is not understood' };
  return { name: st.name.text, params: params as DParam[], ...(returns ? { returns } : {}) };
}

/** Canonical text of a DType, for comparing and for messages. */
export function typeToText(t: DType | undefined): string {
  if (!t) return '(no type)';
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'any':
      return 'any';
    case 'ref':
      return t.name;
    case 'anyFunction':
      return 'function';
    case 'anyObject':
      return 'object';
    case 'literal':
      return JSON.stringify(t.value);
    case 'promise':
      return `Promise<${typeToText(t.of)}>`;
    case 'array':
      return `${typeToText(t.of)}[]`;
    case 'union':
      return t.of.map(typeToText).join(' | ');
    case 'function':
      return `(${t.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToText(p.type)}`).join(', ')}) => ${typeToText(t.returns)}`;
    case 'object':
      return `{ ${t.fields.map((f) => `${f.name}${f.optional ? '?' : ''}: ${typeToText(f.type)}`).join('; ')} }`;
  }
}

/** Every named type a DType mentions. */
export function refNames(t: DType | undefined, out: string[] = []): string[] {
  if (!t) return out;
  switch (t.kind) {
    case 'ref':
      out.push(t.name);
      break;
    case 'promise':
    case 'array':
      refNames(t.of, out);
      break;
    case 'union':
      t.of.forEach((u) => refNames(u, out));
      break;
    case 'function':
      t.params.forEach((p) => refNames(p.type, out));
      refNames(t.returns, out);
      break;
    case 'object':
      t.fields.forEach((f) => refNames(f.type, out));
      break;
  }
  return out;
}

export { PRIMITIVES };
