// codegen/emit/printer.ts: the layout the generated files have (the emitters' structures in,
// TypeScript text out). The whole emitter's bytes are checked by `npm run codegen -- --check`.
import { describe, expect, it } from 'vitest';
import { Scope, SourceFile, VariableDeclarationKind } from '../../codegen/emit/printer.js';

describe('the printer', () => {
  it('groups imports, variables and type aliases; puts a blank line between other declarations', () => {
    const f = new SourceFile();
    f.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './types.js', namedImports: ['A', 'B'] });
    f.addImportDeclaration({ moduleSpecifier: "./it's.js", namedImports: ['x', { name: 'T', isTypeOnly: true }] });
    f.addVariableStatement({ declarationKind: VariableDeclarationKind.Const, declarations: [{ name: 'a', initializer: '1' }] });
    f.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: 'b', type: 'number', initializer: '2' }],
    });
    f.addTypeAlias({ isExported: true, name: 'C', type: 'A | B', docs: ['One line.'] });
    f.insertVariableStatements(2, [{ declarationKind: VariableDeclarationKind.Let, declarations: [{ name: 'first' }] }]);
    expect(f.getFullText()).toBe(
      [
        "import type { A, B } from './types.js';",
        "import { x, type T } from './it\\'s.js';",
        '',
        'let first;',
        'const a = 1;',
        'export const b: number = 2;',
        '',
        '/** One line. */',
        'export type C = A | B;',
      ].join('\n'),
    );
  });

  it('prints interfaces and classes with members added later, JSDoc per line, bodies one level deeper', () => {
    const f = new SourceFile();
    const i = f.addInterface({
      name: 'I',
      isExported: true,
      docs: ['Two\n\nparagraphs.'],
      properties: [{ name: 'p', type: 'string', hasQuestionToken: true }],
    });
    i.addIndexSignature({ keyName: 'k', keyType: 'string', returnType: 'unknown' });
    const c = f.addClass({ name: 'K' });
    c.addProperty({ name: 'a', scope: Scope.Private, isReadonly: true, type: 'number' });
    c.addProperty({ name: 'b', type: 'number' });
    c.addMethod({
      name: 'm',
      overloads: [{ docs: ['Promise form.'], parameters: [{ name: 'x', type: 'string' }], returnType: 'Promise<void>' }],
      typeParameters: [{ name: 'E', constraint: 'string' }],
      parameters: [{ name: 'args', isRestParameter: true, type: 'unknown[]' }],
      returnType: 'void',
      statements: (w) => {
        w.write('if (x) {').newLine();
        w.indent(() => w.writeLine('y();'));
        w.write('}');
      },
    });
    expect(f.getFullText()).toBe(
      [
        '/**',
        ' * Two',
        ' *',
        ' * paragraphs.',
        ' */',
        'export interface I {',
        '  p?: string;',
        '  [k: string]: unknown;',
        '}',
        '',
        'class K {',
        '  private readonly a: number;',
        '  b: number;',
        '',
        '  /** Promise form. */',
        '  m(x: string): Promise<void>;',
        '  m<E extends string>(...args: unknown[]): void {',
        '    if (x) {',
        '      y();',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });
});
