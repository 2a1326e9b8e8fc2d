// Prints the emitters' declarations as TypeScript text. The emitters describe what to declare in
// ts-morph's structure shapes (addInterface({ name, properties }), addClass, addMethod with
// overloads, a writer for initializers and bodies); this prints exactly those shapes in the
// generated files' layout: two-space indent, single quotes, a blank line between declarations
// (not between consecutive imports, exports, variable statements or type aliases), one JSDoc
// block per `docs` entry. No formatter runs after it: what an emitter writes is what lands.
// ts-morph did this before, at over a second of start-up per codegen run (docs/codegen.md).
import { quote } from './typetext.js';

export type WriterFunction = (writer: CodeBlockWriter) => void;

/** Indents every line it starts; `indent(block)` writes the block one level deeper. */
export class CodeBlockWriter {
  #out = '';
  #level = 0;
  #newLineOnNextWrite = false;

  write(text: string): this {
    if (this.#newLineOnNextWrite) {
      this.#newLineOnNextWrite = false;
      this.newLineIfLastNot();
    }
    text.split('\n').forEach((line, i) => {
      if (i > 0) this.#out += '\n';
      if (line && this.isAtLineStart()) this.#out += '  '.repeat(this.#level);
      this.#out += line;
    });
    return this;
  }

  writeLine(text: string): this {
    this.newLineIfLastNot();
    return this.write(text).newLine();
  }

  newLine(): this {
    this.#newLineOnNextWrite = false;
    this.#out += '\n';
    return this;
  }

  newLineIfLastNot(): this {
    return this.isAtLineStart() ? this : this.newLine();
  }

  indent(block: () => void): this {
    this.newLineIfLastNot();
    this.#level++;
    block();
    this.#level--;
    if (!this.isAtLineStart()) this.#newLineOnNextWrite = true;
    return this;
  }

  isAtLineStart(): boolean {
    return this.#out === '' || this.#out.endsWith('\n');
  }

  toString(): string {
    return this.#out;
  }
}

export const VariableDeclarationKind = { Const: 'const', Let: 'let', Var: 'var' } as const;
export type VariableDeclarationKind = (typeof VariableDeclarationKind)[keyof typeof VariableDeclarationKind];
export const Scope = { Public: 'public', Protected: 'protected', Private: 'private' } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** The structures are already the optional-kind form (this printer has no `kind`). */
export type OptionalKind<T> = T;

interface Documented {
  docs?: string[];
}

export interface ImportDeclarationStructure {
  moduleSpecifier: string;
  isTypeOnly?: boolean;
  namedImports: (string | { name: string; isTypeOnly?: boolean })[];
}

export interface ExportDeclarationStructure {
  moduleSpecifier: string;
  isTypeOnly?: boolean;
  namedExports: string[];
}

export interface TypeParameterStructure {
  name: string;
  constraint?: string;
}

export interface ParameterStructure {
  name: string;
  type?: string;
  hasQuestionToken?: boolean;
  isRestParameter?: boolean;
}

export interface PropertySignatureStructure extends Documented {
  name: string;
  type: string;
  hasQuestionToken?: boolean;
}

export interface MethodSignatureStructure extends Documented {
  name: string;
  typeParameters?: TypeParameterStructure[];
  parameters?: ParameterStructure[];
  returnType?: string;
}

export interface IndexSignatureStructure extends Documented {
  keyName: string;
  keyType: string;
  returnType: string;
}

export interface InterfaceDeclarationStructure extends Documented {
  name: string;
  isExported?: boolean;
  properties?: PropertySignatureStructure[];
  methods?: MethodSignatureStructure[];
}

export interface VariableStatementStructure extends Documented {
  declarationKind: VariableDeclarationKind;
  isExported?: boolean;
  declarations: { name: string; type?: string; initializer?: string | WriterFunction }[];
}

export interface TypeAliasDeclarationStructure extends Documented {
  name: string;
  isExported?: boolean;
  type: string;
}

export interface ClassDeclarationStructure extends Documented {
  name: string;
  isExported?: boolean;
}

export interface PropertyDeclarationStructure extends Documented {
  name: string;
  scope?: Scope;
  isReadonly?: boolean;
  type?: string;
}

type Statements = string[] | WriterFunction;

export interface ConstructorDeclarationStructure extends Documented {
  parameters?: ParameterStructure[];
  statements?: Statements;
}

export interface MethodDeclarationOverloadStructure extends Documented {
  typeParameters?: TypeParameterStructure[];
  parameters?: ParameterStructure[];
  returnType?: string;
}

export interface MethodDeclarationStructure extends MethodDeclarationOverloadStructure {
  name: string;
  overloads?: MethodDeclarationOverloadStructure[];
  statements?: Statements;
}

/** One declaration, printed when it is added (an initializer's writer runs then, as it did with ts-morph). */
interface Printed {
  /** Kinds that follow each other without a blank line. */
  group?: 'import' | 'export' | 'variable' | 'type';
  /** A function for interfaces and classes: members may be added after the declaration. */
  text: string | (() => string);
}

/** What `print` writes, from column 0, without the final newline. */
function render(print: (w: CodeBlockWriter) => void): string {
  const w = new CodeBlockWriter();
  print(w);
  return w.toString().replace(/\n$/, '');
}

/** One level deeper: every non-empty line, as the writer's indent(block) would write it. */
const indented = (text: string) => text.replace(/^(?=.)/gm, '  ');

/** A JSDoc block: one line when the text is, else one ` * ` line per line of text. */
function writeDocs(w: CodeBlockWriter, docs: string[] | undefined): void {
  for (const text of docs ?? []) {
    if (!text.includes('\n')) {
      w.writeLine(`/** ${text} */`);
      continue;
    }
    w.writeLine('/**');
    for (const line of text.split('\n')) w.writeLine(line ? ` * ${line}` : ' *');
    w.writeLine(' */');
  }
}

const exported = (s: { isExported?: boolean }) => (s.isExported ? 'export ' : '');

function typeParams(tps: TypeParameterStructure[] | undefined): string {
  if (!tps?.length) return '';
  return `<${tps.map((t) => (t.constraint ? `${t.name} extends ${t.constraint}` : t.name)).join(', ')}>`;
}

function params(ps: ParameterStructure[] | undefined): string {
  return (ps ?? []).map((p) => `${p.isRestParameter ? '...' : ''}${p.name}${p.hasQuestionToken ? '?' : ''}${p.type ? `: ${p.type}` : ''}`).join(', ');
}

const returns = (t: string | undefined) => (t ? `: ${t}` : '');

function writeBody(w: CodeBlockWriter, head: string, statements: Statements | undefined): void {
  w.write(`${head} {`);
  w.indent(() => {
    if (typeof statements === 'function') statements(w);
    else for (const s of statements ?? []) w.writeLine(s);
  });
  w.newLineIfLastNot().write('}');
}

export class InterfaceDeclaration {
  readonly members: string[] = [];

  constructor(structure: InterfaceDeclarationStructure) {
    for (const p of structure.properties ?? [])
      this.members.push(
        render((w) => {
          writeDocs(w, p.docs);
          w.write(`${p.name}${p.hasQuestionToken ? '?' : ''}: ${p.type};`);
        }),
      );
    for (const m of structure.methods ?? [])
      this.members.push(
        render((w) => {
          writeDocs(w, m.docs);
          w.write(`${m.name}${typeParams(m.typeParameters)}(${params(m.parameters)})${returns(m.returnType)};`);
        }),
      );
  }

  addIndexSignature(s: IndexSignatureStructure): void {
    this.members.push(
      render((w) => {
        writeDocs(w, s.docs);
        w.write(`[${s.keyName}: ${s.keyType}]: ${s.returnType};`);
      }),
    );
  }
}

export class ClassDeclaration {
  /** Each member, and whether it is a property (properties follow each other without a blank line). */
  readonly members: { property: boolean; text: string }[] = [];

  addProperty(s: PropertyDeclarationStructure): void {
    const text = render((w) => {
      writeDocs(w, s.docs);
      w.write(`${s.scope ? `${s.scope} ` : ''}${s.isReadonly ? 'readonly ' : ''}${s.name}${s.type ? `: ${s.type}` : ''};`);
    });
    this.members.push({ property: true, text });
  }

  addConstructor(s: ConstructorDeclarationStructure): void {
    const text = render((w) => {
      writeDocs(w, s.docs);
      writeBody(w, `constructor(${params(s.parameters)})`, s.statements);
    });
    this.members.push({ property: false, text });
  }

  addMethod(s: MethodDeclarationStructure): void {
    const text = render((w) => {
      for (const o of s.overloads ?? []) {
        writeDocs(w, o.docs);
        w.writeLine(`${s.name}${typeParams(o.typeParameters)}(${params(o.parameters)})${returns(o.returnType)};`);
      }
      writeDocs(w, s.docs);
      writeBody(w, `${s.name}${typeParams(s.typeParameters)}(${params(s.parameters)})${returns(s.returnType)}`, s.statements);
    });
    this.members.push({ property: false, text });
  }
}

/** `head {`, the members one level deeper, `}`; the members are read when the file is printed. */
function block(head: string, members: () => string): string {
  const body = members();
  return `${head} {\n${body ? indented(body) + '\n' : ''}}`;
}

/** A file being emitted: declarations in order, printed by getFullText(). */
export class SourceFile {
  readonly #statements: Printed[] = [];

  addImportDeclaration(s: ImportDeclarationStructure): void {
    this.addImportDeclarations([s]);
  }

  addImportDeclarations(list: ImportDeclarationStructure[]): void {
    for (const s of list) {
      const names = s.namedImports.map((n) => (typeof n === 'string' ? n : `${n.isTypeOnly ? 'type ' : ''}${n.name}`));
      this.#statements.push({ group: 'import', text: `import ${s.isTypeOnly ? 'type ' : ''}{ ${names.join(', ')} } from ${quote(s.moduleSpecifier)};` });
    }
  }

  addExportDeclarations(list: ExportDeclarationStructure[]): void {
    for (const s of list)
      this.#statements.push({
        group: 'export',
        text: `export ${s.isTypeOnly ? 'type ' : ''}{ ${s.namedExports.join(', ')} } from ${quote(s.moduleSpecifier)};`,
      });
  }

  addInterface(s: InterfaceDeclarationStructure): InterfaceDeclaration {
    const iface = new InterfaceDeclaration(s);
    const docs = new CodeBlockWriter();
    writeDocs(docs, s.docs);
    this.#statements.push({ text: () => docs.toString() + block(`${exported(s)}interface ${s.name}`, () => iface.members.join('\n')) });
    return iface;
  }

  addClass(s: ClassDeclarationStructure): ClassDeclaration {
    const cls = new ClassDeclaration();
    const docs = new CodeBlockWriter();
    writeDocs(docs, s.docs);
    const members = () => cls.members.map((m, i) => (i > 0 && !(m.property && cls.members[i - 1]!.property) ? '\n' : '') + m.text).join('\n');
    this.#statements.push({ text: () => docs.toString() + block(`${exported(s)}class ${s.name}`, members) });
    return cls;
  }

  addTypeAlias(s: TypeAliasDeclarationStructure): void {
    const text = render((w) => {
      writeDocs(w, s.docs);
      w.write(`${exported(s)}type ${s.name} = ${s.type};`);
    });
    this.#statements.push({ group: 'type', text });
  }

  addVariableStatement(s: VariableStatementStructure): void {
    this.insertVariableStatements(this.#statements.length, [s]);
  }

  insertVariableStatements(index: number, list: VariableStatementStructure[]): void {
    const printed = list.map((s): Printed => {
      const text = render((w) => {
        writeDocs(w, s.docs);
        w.write(`${exported(s)}${s.declarationKind} `);
        s.declarations.forEach((d, i) => {
          if (i) w.write(', ');
          w.write(`${d.name}${d.type ? `: ${d.type}` : ''}`);
          if (d.initializer === undefined) return;
          w.write(' = ');
          if (typeof d.initializer === 'string') w.write(d.initializer);
          else d.initializer(w);
        });
        w.write(';');
      });
      return { group: 'variable', text };
    });
    this.#statements.splice(index, 0, ...printed);
  }

  getFullText(): string {
    return this.#statements
      .map((s, i) => {
        const prev = this.#statements[i - 1];
        const sep = !prev ? '' : s.group && s.group === prev.group ? '\n' : '\n\n';
        return sep + (typeof s.text === 'string' ? s.text : s.text());
      })
      .join('');
  }
}
