// Every prose text of the pages, by subject (Client, Client.join, EVENTS.STREAM_ADDED, a type,
// ERROR_CODES.X), as editable references: the identifier check reads them, the errata and the
// identifier corrections rewrite them before the spec is built.
import type { ErrorCodeDef } from '../spec/types.js';
import type { ClassPage } from './classes.js';
import type { TextRef } from './identifiers.js';
import type { DraftEvent, DraftParam, DraftType } from './model.js';

export function textSubjects(classes: ClassPage[], types: Map<string, DraftType>, events: DraftEvent[], errorCodes: ErrorCodeDef[]): Map<string, TextRef[]> {
  const out = new Map<string, TextRef[]>();
  const add = (subject: string, ref: TextRef) => out.set(subject, [...(out.get(subject) ?? []), ref]);
  const param = (subject: string, file: string, p: DraftParam) => {
    add(subject, { file, line: p.line, get: () => p.description, set: (v) => (p.description = v) });
    for (const f of p.fields ?? []) add(subject, { file, line: f.line, get: () => f.description, set: (v) => (f.description = v) });
  };
  for (const c of classes) {
    for (const b of c.page.intro) add(c.name, { file: c.page.file, line: b.line, get: () => b.md, set: (v) => (b.md = v) });
    for (const m of c.methods) {
      const subject = `${c.name}.${m.name}`;
      add(subject, { file: m.file, line: m.line, get: () => m.description, set: (v) => (m.description = v) });
      m.remarks.forEach((_, i) => add(subject, { file: m.file, line: m.remarkLines[i] ?? m.line, get: () => m.remarks[i]!, set: (v) => (m.remarks[i] = v) }));
      for (const p of m.params) param(subject, m.file, p);
    }
  }
  for (const t of types.values())
    for (const f of t.fields) add(t.name, { file: t.file, line: f.line, get: () => f.description, set: (v) => (f.description = v) });
  for (const e of events) add(`EVENTS.${e.name}`, { file: e.file, line: e.line, get: () => e.description, set: (v) => (e.description = v) });
  for (const e of errorCodes)
    add(`ERROR_CODES.${e.name}`, { file: e.source.file, line: e.source.line, get: () => e.description, set: (v) => (e.description = v) });
  return out;
}
