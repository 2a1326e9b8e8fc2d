// Multi-line literals laid out as TypeScript's formatter lays them out, so the emitted text needs
// no formatting pass (ts-morph's formatText was ~0.15 s of a cold emit). A structure's initializer
// is printed with a hanging indent: every line after the first one level deeper than the
// formatter puts it. Replacing the initializer node instead writes at the statement's own level.
// test/codegen/emit-format.test.ts proves that formatting the emitted files changes nothing.
import type { VariableStatement, WriterFunction } from 'ts-morph';

/** The statement's (one) declaration gets `write`'s literal as its initializer. */
export function setLiteral(statement: VariableStatement, write: WriterFunction): void {
  statement.getDeclarations()[0]!.getInitializerOrThrow().replaceWithText(write);
}
