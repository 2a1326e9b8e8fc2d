// The emitter: a reconciled Spec -> the files of src/generated/ (path -> content). Pure: the
// same spec gives the same bytes; codegen/cli.ts writes or compares them.
import { IndentationText, NewLineKind, Project, QuoteKind, type SourceFile } from 'ts-morph';
import type { Spec } from '../spec/types.js';
import { emitClient } from './client.js';
import { emitErrorCodes, emitEventNames, emitEvents } from './constants.js';
import { emitContract } from './contract.js';
import { HEADER } from './header.js';
import { emitRules } from './rules.js';
import { emitTypes } from './types.js';

const FILES: [string, (f: SourceFile, s: Spec) => void][] = [
  ['types.ts', emitTypes],
  ['events.ts', emitEvents],
  ['error-codes.ts', emitErrorCodes],
  ['rules.ts', emitRules],
  ['runtime-contract.ts', emitContract],
  ['client.ts', emitClient],
  ['index.ts', emitIndex],
  // The shared wire package (protocol/, imported by name by the SDK and the server) gets the
  // codes and event names too. Paths are relative to src/generated, like the others.
  ['../../protocol/src/generated/error-codes.ts', emitErrorCodes],
  ['../../protocol/src/generated/events.ts', emitEventNames],
];

function emitIndex(file: SourceFile, spec: Spec): void {
  file.addExportDeclarations([
    { moduleSpecifier: './client.js', namedExports: spec.classes.map((c) => c.name) },
    { moduleSpecifier: './events.js', namedExports: ['EVENTS'] },
    { isTypeOnly: true, moduleSpecifier: './events.js', namedExports: ['EventName', 'EventPayloads'] },
    { moduleSpecifier: './error-codes.js', namedExports: ['ERROR_CODES'] },
    { isTypeOnly: true, moduleSpecifier: './error-codes.js', namedExports: ['ErrorCode'] },
    { isTypeOnly: true, moduleSpecifier: './types.js', namedExports: spec.types.map((t) => t.name).sort() },
  ]);
}

/** How the emitted code is laid out (emit-format.test.ts formats with the same settings). */
export const MANIPULATION_SETTINGS = {
  indentationText: IndentationText.TwoSpaces,
  quoteKind: QuoteKind.Single,
  newLineKind: NewLineKind.LineFeed,
  useTrailingCommas: true,
};

export function emit(spec: Spec): Map<string, string> {
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: MANIPULATION_SETTINGS });
  const out = new Map<string, string>();
  for (const [name, fill] of FILES) {
    const file = project.createSourceFile(`/gen/${name}`, '');
    fill(file, spec);
    // Written as the formatter would lay it out (./layout.ts): no formatText pass, which cost a
    // cold emit ~0.15 s; test/codegen/emit-format.test.ts proves formatting would change nothing.
    out.set(name, HEADER + '\n' + file.getFullText().replace(/\s+$/, '') + '\n');
  }
  return out;
}
