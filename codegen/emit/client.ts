// src/generated/client.ts: the public Client, an explicit overload pair for every method that
// takes onSuccess / onFailure (Promise form, legacy callback form), delegating to the runtime.
import {
  Scope,
  type CodeBlockWriter,
  type MethodDeclarationOverloadStructure,
  type MethodDeclarationStructure,
  type OptionalKind,
  type SourceFile,
} from 'ts-morph';
import type { Method, Spec } from '../spec/types.js';
import { isListenerMethod, resolvedType, successParams } from './shape.js';
import { contextFor, tsdoc, type LinkContext } from './tsdoc.js';
import { paramsText, quote, refsOf, typeText } from './typetext.js';

const FAILURE = '(err: VolcEngineRTCError) => void';

function remarks(m: Method, ctx: LinkContext): string {
  const all = [...m.remarks, ...(m.extension?.remarks ?? [])];
  return all.length ? `\n\n@remarks\n${all.map((r) => tsdoc(r, ctx)).join('\n\n')}` : '';
}

/** The page's own words for a callback, after ours. */
function prose(md: string | undefined, ctx: LinkContext): string {
  const t = md ? tsdoc(md, ctx).replace(/\n+/g, ' ') : '';
  return t ? ` ${t}` : '';
}

function paramDocs(m: Method, ctx: LinkContext): string {
  return m.params.map((p) => `\n@param ${p.name} - ${tsdoc(p.description, ctx).replace(/\n+/g, ' ') || p.name}`).join('');
}

/** The description, marked when the method (or part of it) is this SDK's and not the vendor's. */
function description(m: Method, ctx: LinkContext): string {
  const own = m.origin === 'ours' ? ' (Defined by this SDK, not by the vendor.)' : '';
  const ext = m.extension ? `\n\nThis SDK extends the vendor's ${m.name}: ${tsdoc(m.extension.description, ctx)}` : '';
  return tsdoc(m.description, ctx) + own + ext;
}

function promiseText(m: Method): string {
  const t = typeText(resolvedType(m));
  return t === 'void' ? 'once the call succeeded' : `with the ${successParams(m)[0]?.name ?? 'result'}`;
}

function promiseDoc(m: Method, ctx: LinkContext): string {
  return (
    description(m, ctx) +
    paramDocs(m, ctx) +
    `\n@returns A Promise that resolves ${promiseText(m)}, or rejects with a \`VolcEngineRTCError\`.` +
    remarks(m, ctx) +
    '\n\n@public'
  );
}

function legacyDoc(m: Method, ctx: LinkContext): string {
  const success = successParams(m);
  const args = success.length ? `with \`${paramsText(success)}\`` : 'with no arguments';
  const returns =
    m.callbacks?.formReturns === 'promise'
      ? `\n@returns The same Promise as the Promise form (it resolves ${promiseText(m)}), already handled: a failure goes to onFailure (or \`EVENTS.ERROR\`) and is never an unhandled rejection.`
      : '';
  return (
    description(m, ctx) +
    ' (Callback form, as in the vendor SDK.)' +
    paramDocs(m, ctx) +
    `\n@param onSuccess - Called once ${args} when the call succeeded.${prose(m.callbacks?.descriptions.onSuccess, ctx)}` +
    `\n@param onFailure - Called once with the \`VolcEngineRTCError\` when it failed.${prose(m.callbacks?.descriptions.onFailure, ctx)} Without it the failure goes to the \`EVENTS.ERROR\` listeners (or \`console.error\`), never lost.` +
    returns +
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
    { moduleSpecifier: '../runtime/dual.js', namedImports: ['callMethod', 'callMethodSync'] },
    {
      moduleSpecifier: '../runtime/index.js',
      namedImports: ['createRuntime', { name: 'ClientOptions', isTypeOnly: true }, { name: 'ClientRuntime', isTypeOnly: true }],
    },
    { isTypeOnly: true, moduleSpecifier: './events.js', namedImports: ['EventName', 'EventPayloads'] },
    { isTypeOnly: true, moduleSpecifier: './types.js', namedImports: [...refs].sort() },
  ]);

  // The members are described first and the class is added with all of them in one call: ts-morph
  // parses the file again after every insertion (a call per method would parse it once per method).
  const methods: OptionalKind<MethodDeclarationStructure>[] = [];
  const ctx: LinkContext = contextFor(spec, []);
  for (const m of cls.methods) {
    const mctx = { ...ctx, links: m.links };
    // Each method is one call: its name picks the argument rules (rules.ts) and the runtime method.
    const callSync = (w: CodeBlockWriter, args: string[]) => w.write(`callMethodSync(this.rt_, ${quote(m.name)}, [${args.join(', ')}]);`);
    if (isListenerMethod(m)) {
      const [ev, cb] = m.params;
      const generic = !!cb;
      methods.push({
        name: m.name,
        docs: [
          description(m, mctx) +
            `\n@param event - ${tsdoc(ev!.description, mctx).replace(/\n+/g, ' ') || 'The event'} (an \`EVENTS\` value).` +
            (cb ? `\n@param callback - ${tsdoc(cb.description, mctx).replace(/\n+/g, ' ') || 'The listener'} Its argument is typed from the event.` : '') +
            remarks(m, mctx) +
            '\n\n@public',
        ],
        typeParameters: generic ? [{ name: 'E', constraint: 'EventName' }] : [],
        parameters: [
          { name: 'event', type: generic ? 'E' : 'EventName', hasQuestionToken: ev!.optional },
          ...(cb ? [{ name: 'callback', type: '(payload: EventPayloads[E]) => void', hasQuestionToken: cb.optional }] : []),
        ],
        returnType: 'void',
        statements: (w) => callSync(w, cb ? ['event', 'callback'] : ['event']),
      });
      continue;
    }
    if (!m.callbacks) {
      methods.push({
        name: m.name,
        docs: [description(m, mctx) + paramDocs(m, mctx) + remarks(m, mctx) + '\n\n@public'],
        parameters: m.params.map((p) => ({ name: p.name, type: typeText(p.type), hasQuestionToken: p.optional })),
        returnType: 'void',
        statements: (w) =>
          callSync(
            w,
            m.params.map((p) => p.name),
          ),
      });
      continue;
    }
    const positional = m.params.map((p) => ({ name: p.name, type: typeText(p.type), hasQuestionToken: p.optional }));
    // Before the callbacks nothing may be optional: an optional option object is passed, or undefined.
    const beforeCallbacks = m.params.map((p) => ({
      name: p.name,
      type: p.optional ? `${typeText(p.type)} | undefined` : typeText(p.type),
      hasQuestionToken: false,
    }));
    const success = `(${paramsText(successParams(m))}) => void`;
    const promise = `Promise<${typeText(resolvedType(m))}>`;
    const formReturns = m.callbacks.formReturns === 'promise' ? promise : 'void';
    const overloads: OptionalKind<MethodDeclarationOverloadStructure>[] = [
      { docs: [promiseDoc(m, mctx)], parameters: positional, returnType: promise },
      {
        docs: [legacyDoc(m, mctx)],
        parameters: [
          ...beforeCallbacks,
          { name: 'onSuccess', type: `(${success}) | undefined`, hasQuestionToken: false },
          { name: 'onFailure', type: FAILURE, hasQuestionToken: m.callbacks.optional },
        ],
        returnType: formReturns,
      },
    ];
    methods.push({
      name: m.name,
      overloads,
      parameters: [{ name: 'args', isRestParameter: true, type: 'unknown[]' }],
      returnType: formReturns === 'void' ? `${promise} | void` : promise,
      statements: (w) => w.write(`return callMethod(this.rt_, ${quote(m.name)}, args${successParams(m).length > 0 ? ', true' : ''});`),
    });
  }
  file.addClass({
    name: cls.name,
    isExported: true,
    docs: [tsdoc(cls.description, contextFor(spec, [])) + '\n\n@public'],
    // A `_` member, not `#rt`: the build renames it (ES2017 has no #private, esbuild would emulate
    // it with a WeakMap and helpers). TypeScript keeps it private; no app should reach it.
    properties: [{ name: 'rt_', scope: Scope.Private, isReadonly: true, type: 'ClientRuntime' }],
    ctors: [
      {
        docs: [
          "Creates a client. `options` is this SDK's extension (where the signaling server is, which transport to use); " +
            "the vendor's `Client` takes none, and code written for it works unchanged.\n@param options - Where and how to connect.",
        ],
        parameters: [{ name: 'options', type: 'ClientOptions', hasQuestionToken: true }],
        statements: ['this.rt_ = createRuntime(options);'],
      },
    ],
    methods,
  });
}
