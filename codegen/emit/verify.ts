// Compiles what the emitter produced, in memory, before anything is written: generated code that
// does not type-check is a codegen problem to report (file:line), never a file on disk. The
// runtime the files import is stood in for by declarations of the shapes they rely on; whether
// src/runtime really implements the contract is `npm run typecheck`'s job.
import { Project, ts } from 'ts-morph';

const RUNTIME_STUBS: Record<string, string> = {
  '/src/runtime/dual.ts': `
    import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
    type Rt = ClientRuntimeMethods & { emitError(err: unknown): void };
    export declare function callMethod<K extends keyof ClientRuntimeMethods>(rt: Rt, name: K, args: readonly unknown[], takesValue?: boolean): ReturnType<ClientRuntimeMethods[K]>;
    export declare function callMethodSync(rt: Rt, name: keyof ClientRuntimeMethods, args: readonly unknown[]): void;`,
  '/src/runtime/index.ts': `
    import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
    export interface ClientOptions { server?: string }
    export type ClientRuntime = ClientRuntimeMethods & { emitError(err: unknown): void };
    export declare function createRuntime(options?: ClientOptions): ClientRuntime;`,
  '/src/runtime/args.ts': `
    export type Rule = string | { type: string; oneOf: readonly (string | number)[] } | ObjectRule;
    export interface FieldRule { rule: Rule; optional: boolean; default?: unknown }
    export interface ParamRule extends FieldRule { name: string }
    export interface ObjectRule { type: string; open: boolean; fields: Readonly<Record<string, FieldRule>> }`,
};

export interface VerifyProblem {
  /** Repository-relative, e.g. src/generated/client.ts. */
  file: string;
  line: number;
  message: string;
}

/** `files`: repository-relative path -> content. Returns every compiler error, empty when all is well. */
export function verifyGenerated(files: ReadonlyMap<string, string>): VerifyProblem[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2019,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2020.d.ts'],
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      noEmit: true,
      types: [],
    },
  });
  for (const [path, text] of Object.entries(RUNTIME_STUBS)) project.createSourceFile(path, text);
  const generated = [...files].filter(([rel]) => rel.endsWith('.ts')).map(([rel, text]) => project.createSourceFile(`/${rel}`, text));
  const out: VerifyProblem[] = [];
  for (const d of project.getPreEmitDiagnostics()) {
    const sf = d.getSourceFile();
    const path = sf?.getFilePath() ?? '';
    if (sf && !generated.includes(sf) && !path.startsWith('/src/runtime/')) continue;
    const line = d.getLineNumber() ?? 1;
    const msg = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, ' ');
    out.push({ file: path.replace(/^\//, '') || '(program)', line, message: `TS${d.getCode()}: ${msg}` });
  }
  return out;
}
