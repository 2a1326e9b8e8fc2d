// src/generated/events.ts and error-codes.ts: the EVENTS and ERROR_CODES constants (also
// emitted into protocol/src/generated/ for the server, see ./index.ts).
import { VariableDeclarationKind, type SourceFile } from 'ts-morph';
import type { Spec } from '../spec/types.js';
import { setLiteral } from './layout.js';
import { contextFor, tsdoc } from './tsdoc.js';
import { quote, refsOf, typeText } from './typetext.js';

const ours = (origin: string): string => (origin === 'ours' ? ' (Defined by this SDK, not by the vendor.)' : '');

export function emitEvents(file: SourceFile, spec: Spec): void {
  const refs = new Set<string>();
  spec.events.forEach((e) => refsOf(e.payload, refs));
  if (refs.size) file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './types.js', namedImports: [...refs].sort() });
  emitEventNames(file, spec);
  file.addInterface({
    isExported: true,
    name: 'EventPayloads',
    docs: ['What each event hands its listeners: `client.on(EVENTS.X, handler)` types `handler` from this map.\n\n@public'],
    properties: spec.events.map((e) => ({ name: quote(e.value), type: typeText(e.payload), docs: [`What \`EVENTS.${e.name}\` listeners receive.`] })),
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    isExported: true,
    docs: ['Every event value, for argument checks.\n\n@internal'],
    declarations: [{ name: 'EVENT_VALUES', type: 'readonly EventName[]', initializer: 'Object.keys(EVENTS).map((k) => EVENTS[k as keyof typeof EVENTS])' }],
  });
}

/** EVENTS and EventName alone: protocol/src/generated/events.ts (the server needs no payload types). */
export function emitEventNames(file: SourceFile, spec: Spec): void {
  const events = file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [(tsdoc(spec.eventsPage.description, contextFor(spec, spec.eventsPage.links)) || 'The events a `Client` emits.') + '\n\n@public'],
    declarations: [{ name: 'EVENTS', initializer: '{}' }],
  });
  setLiteral(events, (w) => {
    w.write('{').newLine();
    w.indent(() => {
      for (const e of spec.events) {
        w.writeLine(`/** ${tsdoc(e.description, contextFor(spec, e.links))}${ours(e.origin)} */`);
        w.writeLine(`${e.name}: ${quote(e.value)},`);
      }
    });
    w.write('} as const');
  });
  file.addTypeAlias({
    isExported: true,
    name: 'EventName',
    docs: ['An event name: one of the `EVENTS` values.\n\n@public'],
    type: '(typeof EVENTS)[keyof typeof EVENTS]',
  });
}

export function emitErrorCodes(file: SourceFile, spec: Spec): void {
  const codes = file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      (tsdoc(spec.errorCodesPage.description, contextFor(spec, spec.errorCodesPage.links)) ||
        'The `code` of every `VolcEngineRTCError` the SDK reports, by name.') + '\n\n@public',
    ],
    declarations: [{ name: 'ERROR_CODES', initializer: '{}' }],
  });
  setLiteral(codes, (w) => {
    w.write('{').newLine();
    w.indent(() => {
      for (const c of spec.errorCodes) {
        w.writeLine(`/** ${tsdoc(c.description, contextFor(spec, []))} Category: ${c.category}.${ours(c.origin)} */`);
        w.writeLine(`${c.name}: ${c.code},`);
      }
    });
    w.write('} as const');
  });
  file.addTypeAlias({
    isExported: true,
    name: 'ErrorCode',
    docs: ['An error code: one of the `ERROR_CODES` values.\n\n@public'],
    type: '(typeof ERROR_CODES)[keyof typeof ERROR_CODES]',
  });
}
