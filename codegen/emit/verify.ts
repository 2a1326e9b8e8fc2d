// Compiles what the emitter produced, in memory, before anything is written: generated code that
// does not type-check is a codegen problem to report (file:line), never a file on disk. The
// runtime the files import is stood in for by declarations of the shapes they rely on; whether
// src/runtime really implements the contract is `npm run typecheck`'s job.
import { dirname, posix } from 'node:path';
import { ts, type TS } from '../typescript.js';

const RUNTIME_STUBS: Record<string, string> = {
  '/src/runtime/dual.ts': `
    import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
    type Rt = ClientRuntimeMethods & { emitError_(err: unknown): void };
    export declare function callMethod<K extends keyof ClientRuntimeMethods>(rt: Rt, name: K, args: readonly unknown[], takesValue?: boolean): ReturnType<ClientRuntimeMethods[K]>;
    export declare function callMethodSync(rt: Rt, name: keyof ClientRuntimeMethods, args: readonly unknown[]): void;`,
  '/src/runtime/index.ts': `
    import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
    export interface ClientOptions { server?: string }
    export type ClientRuntime = ClientRuntimeMethods & { emitError_(err: unknown): void };
    export declare function createRuntime(options?: ClientOptions): ClientRuntime;`,
  '/src/runtime/args.ts': `
    export type Rule = string | { type_: string; oneOf_: readonly (string | number)[] } | ObjectRule;
    export interface FieldRule { rule_: Rule; optional_?: true; default_?: unknown }
    export interface ParamRule extends FieldRule { name_: string }
    export interface ObjectRule { type_: string; open_?: true; fields_: Readonly<Record<string, FieldRule>> }`,
};

export interface VerifyProblem {
  /** Repository-relative, e.g. src/generated/client.ts. */
  file: string;
  line: number;
  message: string;
}

const OPTIONS: TS.CompilerOptions = {
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
  // The lib files' own diagnostics are never reported (see below): not checking them saves most of the time.
  skipLibCheck: true,
};

/** `files`: repository-relative path -> content. Returns every compiler error, empty when all is well. */
export function verifyGenerated(files: ReadonlyMap<string, string>): VerifyProblem[] {
  // The program sees these files at the root '/', as in the repository (an ES module package),
  // and the compiler's own lib files from disk; nothing else of the disk.
  const memory = new Map<string, string>([['/package.json', '{ "type": "module" }'], ...Object.entries(RUNTIME_STUBS)]);
  const generated = new Set<string>();
  for (const [rel, text] of files) {
    if (!rel.endsWith('.ts')) continue;
    const path = posix.normalize(`/${rel}`); // 'src/generated/../../protocol/...' is protocol/...
    memory.set(path, text);
    generated.add(path);
  }
  const libDir = dirname(ts.getDefaultLibFilePath(OPTIONS));
  const onDisk = (f: string) => f.startsWith(`${libDir}/`);
  const host = ts.createCompilerHost(OPTIONS);
  host.fileExists = (f) => memory.has(f) || (onDisk(f) && ts.sys.fileExists(f));
  host.readFile = (f) => memory.get(f) ?? (onDisk(f) ? ts.sys.readFile(f) : undefined);
  host.directoryExists = (d) => [...memory.keys()].some((f) => f.startsWith(d.endsWith('/') ? d : `${d}/`)) || d === libDir;
  host.getDirectories = () => [];
  host.realpath = (f) => f;
  host.getSourceFile = (f, target) => {
    const text = host.readFile(f);
    // Doc comments are parsed only where they carry types (JavaScript files), as tsc does: in
    // these .ts files and the lib files they cannot change a diagnostic, and the lib files are
    // mostly comments (0.26 -> 0.15 s of a cold compile check).
    const options = { ...(typeof target === 'object' ? target : { languageVersion: target }), jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors };
    return text === undefined ? undefined : ts.createSourceFile(f, text, options);
  };
  host.getCurrentDirectory = () => '/';
  host.writeFile = () => {};
  const roots = [...memory.keys()].filter((f) => f.endsWith('.ts'));
  const program = ts.createProgram(roots, OPTIONS, host);
  const out: VerifyProblem[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const path = d.file?.fileName ?? '';
    if (d.file && !generated.has(path) && !path.startsWith('/src/runtime/')) continue;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 1;
    const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    out.push({ file: path.replace(/^\//, '') || '(program)', line, message: `TS${d.code}: ${msg}` });
  }
  return out;
}
