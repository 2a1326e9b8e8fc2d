// TypeScript declarations -> JSON Schema (draft-07), so that a type and its schema have one
// source: spec/spec.schema.json comes from codegen/spec/types.ts (Spec), and
// spec/overrides.schema.json from codegen/reconcile/overrides.ts (OverridesFile). Only the shapes
// those files use are understood (interfaces, literal unions, discriminated unions, arrays, null);
// anything else is an error, never a silent `{}`. Constraints ride on JSDoc tags of a property:
// @pattern, @minLength, @minItems, @minimum, @integer.
import { ts, type TS } from '../typescript.js';

type Schema = Record<string, unknown>;

export function schemaFromTs(source: string, root: string, meta: { id: string; description: string }): Schema {
  const sf = ts.createSourceFile('types.ts', source, ts.ScriptTarget.Latest, true);
  const decls = new Map<string, TS.InterfaceDeclaration | TS.TypeAliasDeclaration>();
  for (const st of sf.statements) if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) decls.set(st.name.text, st);
  const definitions: Record<string, Schema> = {};
  const pending = new Set<string>();

  const fail = (node: TS.Node, why: string): never => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    throw new Error(`schemagen: ${why} at line ${line + 1}: ${node.getText()}`);
  };

  // Read from the comment itself: TypeScript does not attach JSDoc to every member of an inline literal.
  const tagsOf = (node: TS.Node): Schema => {
    const out: Schema = {};
    // The trivia before the member (a comment on the same line as `;` counts too).
    const text = source.slice(node.pos, node.getStart());
    for (const m of text.matchAll(/@(pattern|minLength|minItems|minimum|integer)\b(?:[ \t]+(?!@)(\S+))?/g)) {
      const name = m[1];
      const value = (m[2] ?? '').replace(/\*\/$/, '');
      if (name === 'pattern') out.pattern = value;
      else if (name === 'integer') out.type = 'integer';
      else out[name!] = Number(value);
    }
    return out;
  };

  const refTo = (name: string): Schema => {
    if (!decls.has(name)) throw new Error(`schemagen: ${name} is not declared in the file`);
    if (!definitions[name] && !pending.has(name)) {
      pending.add(name);
      definitions[name] = declSchema(decls.get(name)!);
    }
    return { $ref: `#/definitions/${name}` };
  };

  const members = (list: TS.NodeArray<TS.TypeElement>): Schema => {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const m of list) {
      if (!ts.isPropertySignature(m) || !m.type) fail(m, 'only plain properties are understood');
      const p = m as TS.PropertySignature;
      const name = (p.name as TS.Identifier).text;
      let s = typeSchema(p.type!);
      const tags = tagsOf(p);
      if (Object.keys(tags).length) s = tags.type === 'integer' && s.type === 'number' ? { ...s, ...tags } : s.$ref || s.oneOf ? { allOf: [s, tags] } : { ...s, ...tags };
      properties[name] = s;
      if (!p.questionToken) required.push(name);
    }
    return { type: 'object', additionalProperties: false, required, properties };
  };

  const literal = (n: TS.TypeNode): string | number | boolean | null | undefined => {
    if (!ts.isLiteralTypeNode(n)) return undefined;
    const l = n.literal;
    if (ts.isStringLiteral(l)) return l.text;
    if (ts.isNumericLiteral(l)) return Number(l.text);
    if (l.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (l.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (l.kind === ts.SyntaxKind.NullKeyword) return null;
    return undefined;
  };

  function typeSchema(n: TS.TypeNode): Schema {
    switch (n.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
    }
    const lit = literal(n);
    if (lit !== undefined) return lit === null ? { type: 'null' } : { const: lit };
    if (ts.isParenthesizedTypeNode(n)) return typeSchema(n.type);
    if (ts.isArrayTypeNode(n)) return { type: 'array', items: typeSchema(n.elementType) };
    if (ts.isTypeLiteralNode(n)) return members(n.members);
    if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName)) {
      if (n.typeName.text === 'Record' && n.typeArguments?.length === 2 && n.typeArguments[0]!.kind === ts.SyntaxKind.StringKeyword) {
        return { type: 'object', additionalProperties: typeSchema(n.typeArguments[1]!) };
      }
      if (!n.typeArguments) return refTo(n.typeName.text);
    }
    if (ts.isUnionTypeNode(n)) {
      const lits = n.types.map(literal);
      if (lits.every((l) => l !== undefined && l !== null)) return { enum: lits };
      // Primitive unions (string | number | boolean) as a type list; the rest one of.
      const prim = n.types.every((t) => [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword].includes(t.kind));
      if (prim) return { type: n.types.map((t) => (typeSchema(t) as { type: string }).type) };
      return { oneOf: n.types.map(typeSchema) };
    }
    return fail(n, 'this type is not understood');
  }

  function declSchema(d: TS.InterfaceDeclaration | TS.TypeAliasDeclaration): Schema {
    const s = ts.isInterfaceDeclaration(d) ? members(d.members) : typeSchema(d.type);
    const doc = ts.getJSDocCommentsAndTags(d).find(ts.isJSDoc)?.comment;
    return typeof doc === 'string' ? { description: doc.replace(/\s+/g, ' ').trim(), ...s } : s;
  }

  const rootSchema = declSchema(decls.get(root) ?? fail(sf, `no ${root}`));
  pending.add(root);
  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(definitions).sort()) sorted[k] = definitions[k]!;
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: meta.id, title: root, ...rootSchema, description: meta.description, definitions: sorted };
}
