// src/generated/types.ts: one interface per object type the docs define.
import type { SourceFile } from 'ts-morph';
import type { ObjectType, Param, Spec } from '../spec/types.js';
import { contextFor, tsdoc, type LinkContext } from './tsdoc.js';
import { typeText } from './typetext.js';

export function emitTypes(file: SourceFile, spec: Spec): void {
  // All in one insertion (ts-morph parses the file again after each), then the few index signatures.
  const types = [...spec.types].sort((a, b) => a.name.localeCompare(b.name));
  const interfaces = file.addInterfaces(
    types.map((t) => ({
      name: t.name,
      isExported: true,
      docs: [tsdoc(t.description || `The ${t.name} object.`, contextFor(spec, t.links)) + `\n\n@public`],
      properties: t.fields.map((f) => ({
        name: f.name,
        hasQuestionToken: f.optional,
        type: typeText(f.type),
        docs: [fieldDoc(t, f, contextFor(spec, t.links)) + (f.default !== undefined ? `\n\n@defaultValue ${defaultText(f.default)}` : '')],
      })),
    })),
  );
  // Open types accept what newer WeChat versions add without a release of ours. After the fields:
  // an interface structure would print its index signatures first.
  types.forEach((t, i) => {
    if (t.open)
      interfaces[i]!.addIndexSignature({
        keyName: 'key',
        keyType: 'string',
        returnType: 'unknown',
        docs: ['Fields the docs do not list (newer WeChat versions add some): passed through as they are.'],
      });
  });
}

// Fields of an inline signature literal have no table row: the doc describes them all in the
// parameter's text, which became the type's description. Say so rather than leave them bare.
function fieldDoc(t: ObjectType, f: Param, ctx: LinkContext): string {
  if (f.description.trim() || t.origin !== 'signature') return tsdoc(f.description, ctx);
  return `\`${f.name}\`: the doc describes it with the type, above.`;
}

function defaultText(d: string): string {
  return '`' + d.replace(/`/g, '') + '`';
}
