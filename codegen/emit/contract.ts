// src/generated/runtime-contract.ts: what the handwritten runtime must implement. Arguments
// arrive checked, defaults applied, on fresh objects; the async methods return Promises only.
import type { SourceFile } from 'ts-morph';
import type { Spec } from '../spec/types.js';
import { isListenerMethod, resolvedType } from './shape.js';
import { refsOf, typeText } from './typetext.js';

export function emitContract(file: SourceFile, spec: Spec): void {
  const methods = spec.classes.flatMap((c) => c.methods);
  const refs = new Set<string>();
  for (const m of methods) {
    m.params.forEach((p) => refsOf(p.type, refs));
    refsOf(resolvedType(m), refs);
    refsOf(m.returns, refs);
  }
  if (refs.size) file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './types.js', namedImports: [...refs].sort() });
  if (methods.some(isListenerMethod))
    file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './events.js', namedImports: ['EventName', 'EventPayloads'] });
  file.addInterface({
    isExported: true,
    name: 'ClientRuntimeMethods',
    docs: ['The runtime under the generated `Client` (src/runtime implements it).\n\n@internal'],
    methods: methods.map((m) => {
      if (isListenerMethod(m)) {
        // Typed through the event map, as on the Client: no `any` between the Client and the runtime.
        const [ev, cb] = m.params;
        return {
          name: m.name,
          typeParameters: cb ? [{ name: 'E', constraint: 'EventName' }] : [],
          parameters: [
            { name: 'event', type: cb ? 'E' : 'EventName', hasQuestionToken: ev!.optional },
            ...(cb ? [{ name: 'callback', type: '(payload: EventPayloads[E]) => void', hasQuestionToken: cb.optional }] : []),
          ],
          returnType: 'void',
        };
      }
      return {
        name: m.name,
        // Optional parameters arrive with their defaults applied: never undefined here.
        parameters: m.params.map((p) => ({ name: p.name, type: typeText(p.type) })),
        returnType: m.callbacks ? `Promise<${typeText(resolvedType(m))}>` : typeText(m.returns),
      };
    }),
  });
}
