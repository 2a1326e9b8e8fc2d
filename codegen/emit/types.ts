// src/generated/types.ts: one interface per object type the docs define.
import type { SourceFile } from 'ts-morph';
import type { Spec } from '../spec/types.js';
import { tsdoc } from './tsdoc.js';
import { typeText } from './typetext.js';

export function emitTypes(file: SourceFile, spec: Spec): void {
  for (const t of [...spec.types].sort((a, b) => a.name.localeCompare(b.name))) {
    const iface = file.addInterface({
      name: t.name,
      isExported: true,
      docs: [tsdoc(t.description || `The ${t.name} object.`) + `\n\n@public`],
      properties: t.fields.map((f) => ({
        name: f.name,
        hasQuestionToken: f.optional,
        type: typeText(f.type),
        docs: [tsdoc(f.description) + (f.default !== undefined ? `\n\n@defaultValue ${defaultText(f.default)}` : '')],
      })),
    });
    // Open types accept what newer WeChat versions add without a release of ours.
    if (t.open) iface.addIndexSignature({ keyName: 'key', keyType: 'string', returnType: 'unknown', docs: ['Fields the docs do not list (newer WeChat versions add some): passed through as they are.'] });
  }
}

function defaultText(d: string): string {
  return '`' + d.replace(/`/g, '') + '`';
}
