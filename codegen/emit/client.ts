// src/generated/client.ts: the public Client, an explicit overload pair for every method that
// takes onSuccess / onFailure (Promise form, legacy callback form), delegating to the runtime.
import { type CodeBlockWriter, type MethodDeclarationOverloadStructure, type OptionalKind, type SourceFile } from 'ts-morph';
import type { Method, Spec } from '../spec/types.js';
import { isListenerMethod, resolvedType, successParams } from './shape.js';
import { tsdoc, type LinkContext } from './tsdoc.js';
import { paramsText, quote, refsOf, typeText } from './typetext.js';

const FAILURE = '(err: VolcEngineRTCError) => void';

function remarks(m: Method, ctx: LinkContext): string {
  return m.remarks.length ? `\n\n@remarks\n${m.remarks.map((r) => tsdoc(r, ctx)).join('\n\n')}` : '';
}

function paramDocs(m: Method, ctx: LinkContext): string {
  return m.params.map((p) => `\n@param ${p.name} - ${tsdoc(p.description, ctx).replace(/\n+/g, ' ') || p.name}`).join('');
}

function promiseDoc(m: Method, ctx: LinkContext): string {
  const t = typeText(resolvedType(m));
  const what = t === 'void' ? 'once the call succeeded' : `with the ${successParams(m)[0]?.name ?? 'result'}`;
  return (
    tsdoc(m.description, ctx) +
    paramDocs(m, ctx) +
    `\n@returns A Promise that resolves ${what}, or rejects with a \`VolcEngineRTCError\`.` +
    remarks(m, ctx) +
    '\n\n@public'
  );
}

function legacyDoc(m: Method, ctx: LinkContext): string {
  const success = successParams(m);
  const args = success.length ? `with \`${paramsText(success)}\`` : 'with no arguments';
  return (
    tsdoc(m.description, ctx) +
    ' (Callback form, as in the vendor SDK.)' +
    paramDocs(m, ctx) +
    `\n@param onSuccess - Called once ${args} when the call succeeded.` +
    '\n@param onFailure - Called once with the `VolcEngineRTCError` when it failed. Without it the failure goes to the `EVENTS.ERROR` listeners (or `console.error`), never lost.' +
    remarks(m, ctx) +
    '\n\n@public'
  );
}

export function emitClient(file: SourceFile, spec: Spec): void {
  const cls = spec.classes[0];
  if (!cls) return;
  const refs = new Set<string>(['VolcEngineRTCError']);
  for (const m of cls.methods) {
    m.params.forEach((p) => refsOf(p.type, refs));
    successParams(m).forEach((p) => refsOf(p.type, refs));
    refsOf(m.returns, refs);
  }
  file.addImportDeclarations([
    { moduleSpecifier: '../runtime/dual.js', namedImports: ['callAsync', 'callSync'] },
    { moduleSpecifier: '../runtime/index.js', namedImports: ['createRuntime', { name: 'ClientOptions', isTypeOnly: true }, { name: 'ClientRuntime', isTypeOnly: true }] },
    { isTypeOnly: true, moduleSpecifier: './events.js', namedImports: ['EventName', 'EventPayloads'] },
    { moduleSpecifier: './rules.js', namedImports: ['RULES'] },
    { isTypeOnly: true, moduleSpecifier: './types.js', namedImports: [...refs].sort() },
  ]);

  const c = file.addClass({
    name: cls.name,
    isExported: true,
    docs: [tsdoc(cls.description) + '\n\n@public'],
  });
  c.addProperty({ name: '#rt', isReadonly: true, type: 'ClientRuntime' });
  c.addConstructor({
    docs: [
      'Creates a client. `options` is this SDK\'s extension (where the signaling server is, which transport to use); ' +
        'the vendor\'s `Client` takes none, and code written for it works unchanged.\n@param options - Where and how to connect.',
    ],
    parameters: [{ name: 'options', type: 'ClientOptions', hasQuestionToken: true }],
    statements: ['this.#rt = createRuntime(options);'],
  });

  const ctx: LinkContext = { links: [], className: cls.name, overloaded: new Set(cls.methods.filter((m) => m.callbacks).map((m) => m.name)) };
  for (const m of cls.methods) {
    const mctx = { ...ctx, links: m.links };
    const call = (w: CodeBlockWriter, argsExpr: string) => {
      const casts = m.params.map((p, i) => `a[${i}] as ${typeText(p.type)}`).join(', ');
      w.write(`return ${argsExpr}(this.#rt, { name: ${quote(m.name)}, params: RULES.${m.name}, `);
      if (m.callbacks) w.write(`successTakesValue: ${successParams(m).length > 0}, `);
      w.write(`run: (a) => this.#rt.${m.name}(${casts}) }, args);`);
    };
    if (isListenerMethod(m)) {
      c.addMethod({
        name: m.name,
        docs: [
          tsdoc(m.description, mctx) +
            `\n@param event - The event, an \`EVENTS\` value.\n@param callback - The listener; its argument is typed from the event.` +
            remarks(m, mctx) +
            '\n\n@public',
        ],
        typeParameters: [{ name: 'E', constraint: 'EventName' }],
        parameters: [
          { name: 'event', type: 'E' },
          { name: 'callback', type: '(payload: EventPayloads[E]) => void' },
        ],
        returnType: 'void',
        statements: (w) => {
          w.writeLine('const args = [event, callback];');
          w.write(`callSync(this.#rt, { name: ${quote(m.name)}, params: RULES.${m.name}, run: (a) => this.#rt.${m.name}(a[0] as EventName, a[1] as (payload: unknown) => void) }, args);`);
        },
      });
      continue;
    }
    if (!m.callbacks) {
      c.addMethod({
        name: m.name,
        docs: [tsdoc(m.description, mctx) + paramDocs(m, mctx) + remarks(m, mctx) + '\n\n@public'],
        parameters: m.params.map((p) => ({ name: p.name, type: typeText(p.type), hasQuestionToken: p.optional })),
        returnType: 'void',
        statements: (w) => {
          w.writeLine(`const args = [${m.params.map((p) => p.name).join(', ')}];`);
          call(w, 'callSync');
          // callSync returns nothing; keep the method's `void`.
        },
      });
      continue;
    }
    const positional = m.params.map((p) => ({ name: p.name, type: typeText(p.type), hasQuestionToken: p.optional }));
    const success = `(${paramsText(successParams(m))}) => void`;
    const overloads: OptionalKind<MethodDeclarationOverloadStructure>[] = [
      { docs: [promiseDoc(m, mctx)], parameters: positional, returnType: `Promise<${typeText(resolvedType(m))}>` },
      {
        docs: [legacyDoc(m, mctx)],
        parameters: [
          ...positional,
          { name: 'onSuccess', type: `(${success}) | undefined`, hasQuestionToken: false },
          { name: 'onFailure', type: FAILURE, hasQuestionToken: m.callbacks.optional },
        ],
        returnType: 'void',
      },
    ];
    c.addMethod({
      name: m.name,
      overloads,
      parameters: [{ name: 'args', isRestParameter: true, type: 'unknown[]' }],
      returnType: `Promise<${typeText(resolvedType(m))}> | void`,
      statements: (w) => call(w, 'callAsync'),
    });
  }
}
