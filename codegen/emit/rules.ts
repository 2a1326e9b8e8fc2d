// src/generated/rules.ts: the argument rules each method is checked against (src/runtime/args.ts).
import type { CodeBlockWriter, SourceFile } from 'ts-morph';
import type { ObjectType, Spec, TypeRef } from '../spec/types.js';
import { isListenerMethod } from './shape.js';
import { quote } from './typetext.js';

/** JSON text of a documented default: "true" -> true; anything not a plain literal is not applied. */
export function defaultValue(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(t)) return t;
  if (/^(['"]).*\1$/.test(t)) return quote(t.slice(1, -1));
  // An option object left out: every field takes its default (src/runtime/args.ts fills them in).
  if (/^\{\s*\}$/.test(t)) return '{}';
  return undefined;
}

export function emitRules(file: SourceFile, spec: Spec): void {
  const byName = new Map(spec.types.map((t) => [t.name, t]));
  const used = new Set<string>();
  const ruleOf = (t: TypeRef): string => {
    switch (t.kind) {
      case 'primitive':
        return t.name === 'void' ? "'unknown'" : `'${t.name}'`;
      case 'function':
        return "'function'";
      case 'ref':
        if (byName.has(t.name)) {
          used.add(t.name);
          return `${t.name}Rule`;
        }
        return "'unknown'";
      default:
        return "'unknown'";
    }
  };
  // Keys end in '_' like every runtime-private member (docs/runtime.md); what is false is left out.
  const writeField = (w: CodeBlockWriter, name: string | null, t: TypeRef, optional: boolean, def: string | undefined) => {
    const parts = [name === null ? null : `name_: ${quote(name)}`, `rule_: ${ruleOf(t)}`, optional ? 'optional_: true' : null];
    if (def !== undefined) parts.push(`default_: ${def}`);
    w.write(`{ ${parts.filter(Boolean).join(', ')} }`);
  };

  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: '../runtime/args.js', namedImports: ['ObjectRule', 'ParamRule'] });
  file.addImportDeclaration({ moduleSpecifier: './events.js', namedImports: ['EVENT_VALUES'] });

  const methods = spec.classes.flatMap((c) => c.methods);
  // The object rules the methods' parameters use (a listener method's event has its own rule).
  for (const m of methods) {
    m.params.forEach((p, i) => {
      if (!(i === 0 && isListenerMethod(m))) ruleOf(p.type);
    });
  }
  // Object rules are declared before RULES uses them; resolve nested refs until none is new.
  const emitted: ObjectType[] = [];
  const seen = new Set<string>();
  let pending = [...used];
  while (pending.length) {
    const next: string[] = [];
    for (const name of pending.sort()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const t = byName.get(name)!;
      emitted.push(t);
      const before = new Set(used);
      t.fields.forEach((f) => ruleOf(f.type));
      for (const u of used) if (!before.has(u)) next.push(u);
    }
    pending = next;
  }
  emitted.sort((a, b) => a.name.localeCompare(b.name));
  // Dependencies first: a type's rule refers to the rules of its fields' types.
  const ordered: ObjectType[] = [];
  const visit = (t: ObjectType, stack: Set<string>) => {
    if (ordered.includes(t) || stack.has(t.name)) return;
    stack.add(t.name);
    for (const f of t.fields) if (f.type.kind === 'ref' && byName.has(f.type.name)) visit(byName.get(f.type.name)!, stack);
    ordered.push(t);
  };
  emitted.forEach((t) => visit(t, new Set()));
  // The object rules (dependencies first), then RULES: written as the formatter lays them out, in
  // one insertion (ts-morph parses the file again after each).
  file.addStatements((w) => {
    w.newLine(); // after the imports
    for (const t of ordered) {
      w.writeLine(`const ${t.name}Rule: ObjectRule = {`);
      w.indent(() => {
        w.writeLine(`type_: ${quote(t.name)},${t.open ? ' open_: true,' : ''} fields_: {`);
        w.indent(() => {
          for (const f of t.fields) {
            w.write(`${f.name}: `);
            writeField(w, null, f.type, f.optional, defaultValue(f.default));
            w.write(',').newLine();
          }
        });
        w.writeLine('}');
      });
      w.writeLine('};');
    }
    w.writeLine('export const RULES = {');
    w.indent(() => {
      for (const m of methods) {
        w.write(`${m.name}: [`);
        m.params.forEach((p, i) => {
          if (i) w.write(', ');
          const optional = p.optional ? ', optional_: true' : '';
          if (i === 0 && isListenerMethod(m)) w.write(`{ name_: 'event', rule_: { type_: 'EVENTS', oneOf_: EVENT_VALUES }${optional} }`);
          else writeField(w, p.name, p.type, p.optional, defaultValue(p.default));
        });
        w.write('],').newLine();
      }
    });
    w.write('} satisfies Record<string, readonly ParamRule[]>;');
  });
}
