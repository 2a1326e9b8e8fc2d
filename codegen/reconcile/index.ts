// Pages + overrides -> Spec, or the list of every problem. The one entry point of the parser.
import { readPage, type Page, type Section } from '../parse/page.js';
import { hasColumns, type Table } from '../parse/table.js';
import { parseType, refNames, typeToText, type DType } from '../parse/typeexpr.js';
import type { ErrorCodeDef, Link, Spec } from '../spec/types.js';
import { mergeParams } from './fields.js';
import { finalize } from './finalize.js';
import { linksIn, resolveLink, slug, type LinkablePage } from './links.js';
import { isParamTable, mergeMethod, TYPE_NAME, type MemberRow } from './methods.js';
import { Diagnostics, diagKey, type Diagnostic, type DraftEvent, type DraftMethod, type DraftParam, type DraftType } from './model.js';
import { applyOverrides, loadOverrides, type LoadedOverrides } from './overrides.js';

export interface SourcePage {
  file: string; // repository-relative, e.g. spec/docs/client.md
  text: string;
}

export interface BuildResult {
  /** Present when there is no problem at all. */
  spec?: Spec;
  /** Every problem, one line each: `file:line: CODE subject: message`. */
  problems: string[];
  /** Every diagnostic the pages gave, resolved or not. */
  diagnostics: Diagnostic[];
}

type PageKind = 'class' | 'events' | 'errors' | 'other';

function kindOf(page: Page): PageKind {
  const t = page.tables[0];
  if (!t) return 'other';
  if (hasColumns(t, 'returns', 'name')) return 'class';
  if (hasColumns(t, 'name', 'value')) return 'events';
  if (hasColumns(t, 'name', 'code')) return 'errors';
  return 'other';
}

const cellText = (t: Table, i: number, c: 'name' | 'returns' | 'value' | 'origin' | 'code' | 'category' | 'description') => t.rows[i]?.cells[c]?.text.replace(/`/g, '').replace(/\s+/g, ' ').trim() ?? '';
const cellMd = (t: Table, i: number) => t.rows[i]?.cells.description?.md ?? '';

export function build(sources: SourcePage[], overridesFile: string, overridesText: string | undefined): BuildResult {
  const loaded = loadOverrides(overridesFile, overridesText);
  const diags = new Diagnostics();
  const pages = sources.map((s) => readPage(s.file, s.text));
  for (const p of pages) for (const i of p.issues) diags.add({ file: p.file, line: i.line, code: i.code, subject: p.file.replace(/^.*\//, ''), message: i.message, slots: [], need: 'all' });

  const kinds = new Map(pages.map((p) => [p, kindOf(p)]));
  for (const p of pages) {
    if (kinds.get(p) === 'other' && !p.issues.length) {
      diags.add({ file: p.file, line: p.titleLine, code: 'PAGE_UNRECOGNIZED', subject: p.file.replace(/^.*\//, ''), message: 'no member table (Return | Name), event table (Name | Value) or error-code table (Name | Code) before the first `###` section', slots: [], need: 'all' });
    }
  }
  const docId = (p: Page) => p.frontMatter.doc_id ?? loaded.data.pages?.[p.file]?.docId;

  // Object types described by "XXX 配置" / "XXX configuration" tables, on any page.
  const types = new Map<string, DraftType>();
  const typeSig = (t: DraftType) => JSON.stringify(t.fields.map((f) => [f.name, f.type, f.optional, f.default ?? null]));
  for (const p of pages) {
    for (const s of p.sections) {
      for (const lt of s.tables) {
        if (lt.label?.kind !== 'type') continue;
        const name = lt.label.name;
        if (!TYPE_NAME.test(name)) {
          // "options 配置": a parameter's fields (mergeMethod reads them); anything else is lost.
          const hasParam = s.tables.some((t) => isParamTable(t) && t.table.rows.some((r) => r.cells.name?.text === name));
          if (!hasParam) diags.add({ file: p.file, line: lt.labelLine, code: 'TABLE_UNATTACHED', subject: `${s.name}`, message: `"${name}" is neither a type name nor a parameter of this section: the table is not read`, slots: [], need: 'all' });
          continue;
        }
        const merged = mergeParams(diags, { file: p.file, subject: name, prefix: '', sig: null, sigLine: lt.labelLine, rows: lt.table.rows, tableLine: lt.table.line, hasTable: true });
        const t: DraftType = { name, description: '', fields: merged.params, open_: false, origin: 'table', file: p.file, line: lt.labelLine, open: new Set() };
        const prev = types.get(name);
        if (prev && typeSig(prev) !== typeSig(t)) {
          diags.add({ file: p.file, line: lt.labelLine, code: 'TYPE_REDEFINED', subject: name, message: `described again with different fields (first at line ${prev.line})`, slots: [], need: 'all' });
        } else if (!prev) types.set(name, t);
      }
    }
  }

  // Events.
  const events: DraftEvent[] = [];
  const linkPages: LinkablePage[] = [];
  for (const p of pages.filter((x) => kinds.get(x) === 'events')) {
    const t = p.tables[0]!;
    const anchors = new Map<string, string>();
    t.rows.forEach((row, i) => {
      const name = cellText(t, i, 'name');
      const value = cellText(t, i, 'value');
      const origin = cellText(t, i, 'origin') || 'vendor';
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !value) {
        diags.add({ file: p.file, line: row.line, code: 'TABLE_ROW_MALFORMED', subject: 'EVENTS', message: `an event row needs an UPPER_CASE name and a value (got ${JSON.stringify(name)} / ${JSON.stringify(value)})`, slots: [], need: 'all' });
        return;
      }
      if (origin !== 'vendor' && origin !== 'ours') diags.add({ file: p.file, line: row.line, code: 'ORIGIN_INVALID', subject: `EVENTS.${name}`, message: `Origin must be vendor or ours, not ${JSON.stringify(origin)}`, slots: [], need: 'all' });
      anchors.set(value.toLowerCase(), name);
      anchors.set(slug(name), name);
      const s = p.sections.find((x) => x.name === name);
      const e: DraftEvent = { name, value, origin: origin === 'ours' ? 'ours' : 'vendor', description: s ? s.description.map((b) => b.md).join('\n\n') : cellMd(t, i), file: p.file, line: s?.line ?? row.line, open: new Set() };
      if (!s) diags.add({ file: p.file, line: row.line, code: 'SECTION_MISSING', subject: `EVENTS.${name}`, message: `the event table lists ${name} but there is no \`### ${name}\` section`, slots: [], need: 'all' });
      else {
        const own = s.tables.find((lt) => lt.label?.kind === 'type' && TYPE_NAME.test(lt.label.name));
        const said = s.description.map((b) => /payload is an? `([A-Za-z_][\w]*)`|载荷(?:为|是)\s*`([A-Za-z_][\w]*)`/i.exec(b.md)).find(Boolean);
        const named = own?.label?.kind === 'type' ? own.label.name : (said?.[1] ?? said?.[2]);
        if (named) e.type = { kind: 'ref', name: named };
        else diags.add({ file: p.file, line: s.line, code: 'EVENT_PAYLOAD_MISSING', subject: `EVENTS.${name}`, message: 'the section defines no payload table and does not say "The payload is a `Type`."', slots: ['type'], need: 'all', target: e });
      }
      events.push(e);
    });
    for (const s of p.sections) if (!t.rows.some((_, i) => cellText(t, i, 'name') === s.name)) diags.add({ file: p.file, line: s.line, code: 'NOT_IN_MEMBER_TABLE', subject: `EVENTS.${s.name}`, message: 'the section is not in the event table', slots: [], need: 'all' });
    linkPages.push({ file: p.file, docId: docId(p), kind: 'events', title: p.title ?? 'EVENTS', anchors });
  }

  // Error codes.
  const errorCodes: ErrorCodeDef[] = [];
  for (const p of pages.filter((x) => kinds.get(x) === 'errors')) {
    const t = p.tables[0]!;
    const anchors = new Map<string, string>();
    t.rows.forEach((row, i) => {
      const name = cellText(t, i, 'name');
      const code = Number(cellText(t, i, 'code'));
      const origin = cellText(t, i, 'origin') || 'vendor';
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !Number.isInteger(code)) {
        diags.add({ file: p.file, line: row.line, code: 'TABLE_ROW_MALFORMED', subject: 'ERROR_CODES', message: `an error row needs an UPPER_CASE name and an integer code (got ${JSON.stringify(name)} / ${JSON.stringify(cellText(t, i, 'code'))})`, slots: [], need: 'all' });
        return;
      }
      const dup = errorCodes.find((x) => x.name === name || x.code === code);
      if (dup) diags.add({ file: p.file, line: row.line, code: 'DUPLICATE_ERROR_CODE', subject: `ERROR_CODES.${name}`, message: `${name} = ${code} repeats ${dup.name} = ${dup.code} (line ${dup.source.line})`, slots: [], need: 'all' });
      if (origin !== 'vendor' && origin !== 'ours') diags.add({ file: p.file, line: row.line, code: 'ORIGIN_INVALID', subject: `ERROR_CODES.${name}`, message: `Origin must be vendor or ours, not ${JSON.stringify(origin)}`, slots: [], need: 'all' });
      anchors.set(name.toLowerCase(), name);
      anchors.set(String(code), name);
      errorCodes.push({ name, code, category: cellText(t, i, 'category'), origin: origin === 'ours' ? 'ours' : 'vendor', description: cellMd(t, i), source: { file: p.file, line: row.line } });
    });
    linkPages.push({ file: p.file, docId: docId(p), kind: 'errors', title: p.title ?? 'ERROR_CODES', anchors });
  }

  // Classes.
  const sigOverrides = new Map(loaded.data.overrides.filter((o) => o.fix.signature !== undefined).map((o) => [`${o.code} ${o.subject}`, o.fix.signature!]));
  const classes: { page: Page; name: string; methods: DraftMethod[]; sections: Section[] }[] = [];
  for (const p of pages.filter((x) => kinds.get(x) === 'class')) {
    const t = p.tables[0]!;
    const className = p.title ?? 'Client';
    const members: MemberRow[] = t.rows.map((r, i) => ({ name: cellText(t, i, 'name'), returns: cellText(t, i, 'returns'), line: r.line }));
    const methods: DraftMethod[] = [];
    const sections: Section[] = [];
    for (const mr of members) {
      const s = p.sections.find((x) => x.name === mr.name);
      if (!s) {
        diags.add({ file: p.file, line: mr.line, code: 'SECTION_MISSING', subject: `${className}.${mr.name}`, message: `the member table lists ${mr.name} but there is no \`### ${mr.name}\` section`, slots: [], need: 'all' });
        continue;
      }
      const subject = `${className}.${s.name}`;
      const so = sigOverrides.get(`SIGNATURE_MISSING ${subject}`) ?? sigOverrides.get(`SIGNATURE_UNPARSABLE ${subject}`);
      methods.push(mergeMethod(diags, { file: p.file, className, section: s, member: mr, ...(so !== undefined ? { signatureOverride: so } : {}) }));
      sections.push(s);
    }
    for (const s of p.sections) {
      if (!members.some((m) => m.name === s.name)) diags.add({ file: p.file, line: s.line, code: 'NOT_IN_MEMBER_TABLE', subject: `${className}.${s.name}`, message: 'the section is not listed in the member table', slots: [], need: 'all' });
    }
    classes.push({ page: p, name: className, methods, sections });
    linkPages.push({ file: p.file, docId: docId(p), kind: 'class', title: className, anchors: new Map(p.sections.map((s) => [slug(s.name), s.name])) });
  }

  pageWideChecks(diags, classes, types, events, linkPages);

  // Unknown type names: whatever a page mentions that no page defines.
  const known = (n: string) => types.has(n);
  const uses = new Map<string, { file: string; line: number; where: string }[]>();
  const use = (t: DType | undefined, file: string, line: number, where: string) => {
    for (const n of refNames(t)) if (!known(n)) uses.set(n, [...(uses.get(n) ?? []), { file, line, where }]);
  };
  for (const c of classes) {
    for (const m of c.methods) {
      const member = c.page.tables[0]!.rows.find((_, i) => cellText(c.page.tables[0]!, i, 'name') === m.section);
      const mt = member ? parseType(cellText(c.page.tables[0]!, c.page.tables[0]!.rows.indexOf(member), 'returns')) : undefined;
      use(mt, m.file, member?.line ?? m.line, `${c.name}.${m.name} (member table)`);
      use(m.returns, m.file, m.line, `${c.name}.${m.name}`);
      for (const p of m.params) {
        for (const t of [p.type, ...(p.mentioned ?? [])]) use(t, m.file, p.line, `${c.name}.${m.name}(${p.name})`);
        for (const f of p.fields ?? []) for (const t of [f.type, ...(f.mentioned ?? [])]) use(t, m.file, f.line, `${c.name}.${m.name}(${p.name}.${f.name})`);
      }
    }
  }
  for (const t of types.values()) for (const f of t.fields) for (const x of [f.type, ...(f.mentioned ?? [])]) use(x, t.file, f.line, `${t.name}.${f.name}`);
  for (const e of events) use(e.type, e.file, e.line, `EVENTS.${e.name}`);
  for (const [name, where] of [...uses].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const first = where.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)[0]!;
    const placeholder: DraftType = { name, description: '', fields: [], open_: false, origin: 'override', file: first.file, line: first.line, placeholder: true, open: new Set() };
    types.set(name, placeholder);
    const list = [...new Set(where.map((w) => w.where))].join(', ');
    diags.add({ file: first.file, line: first.line, code: 'UNKNOWN_TYPE', subject: name, message: `\`${name}\` is used (${list}) but no page defines it`, slots: ['define', 'type'], need: 'any', target: placeholder });
  }

  // Links.
  const methodLinks = new Map<DraftMethod, Link[]>();
  for (const c of classes) {
    const from = linkPages.find((l) => l.file === c.page.file)!;
    for (const m of c.methods) {
      const texts = [m.description, ...m.params.map((p) => p.description), ...m.params.flatMap((p) => (p.fields ?? []).map((f) => f.description)), ...m.remarks];
      const links: Link[] = [];
      for (const { text, href } of texts.flatMap(linksIn)) {
        if (links.some((l) => l.href === href && l.text === text)) continue;
        const r = resolveLink(text, href, from, linkPages);
        if ('broken' in r) diags.add({ file: m.file, line: m.line, code: 'BROKEN_LINK', subject: `${c.name}.${m.name}`, param: href, message: r.broken, slots: [], need: 'all' });
        links.push(r.link);
      }
      methodLinks.set(m, links);
    }
  }
  for (const p of pages.filter((x) => kinds.get(x) === 'events')) {
    const from = linkPages.find((l) => l.file === p.file)!;
    for (const e of events.filter((x) => x.file === p.file)) {
      for (const { text, href } of linksIn(e.description)) {
        const r = resolveLink(text, href, from, linkPages);
        if ('broken' in r) diags.add({ file: e.file, line: e.line, code: 'BROKEN_LINK', subject: `EVENTS.${e.name}`, param: href, message: r.broken, slots: [], need: 'all' });
      }
    }
  }

  // Overrides, then the spec.
  const all = [...diags.list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.code.localeCompare(b.code) || diagKey(a).localeCompare(diagKey(b)));
  const applied = applyOverrides(all, loaded);
  const resolvedDiags: Spec['diagnostics'] = all
    .filter((d) => applied.resolved.has(diagKey(d)))
    .map((d) => ({ code: d.code, file: d.file, line: d.line, subject: d.subject, ...(d.param ? { param: d.param } : {}), message: d.message, resolution: applied.resolved.get(diagKey(d))!.reason }));
  const final = finalize({
    sources: pages.map((p) => ({ file: p.file, sha256: p.sha256 })),
    classes: classes.map((c) => ({ name: c.name, description: c.page.intro.map((b) => b.md).join('\n\n'), file: c.page.file, line: c.page.titleLine, methods: c.methods.map((m) => ({ draft: m, links: methodLinks.get(m) ?? [] })) })),
    types,
    events,
    errorCodes,
    diagnostics: resolvedDiags,
  });
  // Finalisation problems only mean something once every diagnostic is answered.
  const problems = applied.problems.length ? applied.problems : final.problems;
  return { problems, diagnostics: all, ...(problems.length ? {} : { spec: final.spec }) };
}

/** Checks that compare a method with its siblings or with other pages. */
function pageWideChecks(diags: Diagnostics, classes: { page: Page; name: string; methods: DraftMethod[] }[], types: Map<string, DraftType>, events: DraftEvent[], linkPages: LinkablePage[]): void {
  for (const c of classes) {
    // Callbacks: a callback required in one method and optional in the others is a slip.
    for (const cb of ['onSuccess', 'onFailure']) {
      const withIt = c.methods.flatMap((m) => m.params.filter((p) => p.name === cb && !p.open.has('optional')).map((p) => ({ m, p })));
      const optional = withIt.filter((x) => x.p.optional).length;
      const majority = optional * 2 >= withIt.length;
      if (withIt.length < 3) continue;
      for (const { m, p } of withIt) {
        if (p.optional === majority) continue;
        diags.add({ file: m.file, line: p.line, subject: `${c.name}.${m.name}`, param: cb, code: 'REQUIRED_MISMATCH', message: `${cb} is marked ${p.optional ? 'optional' : 'required'} here but ${majority ? 'optional' : 'required'} in ${withIt.filter((x) => x.p.optional === majority).length} other methods`, slots: ['optional', 'default'], need: 'all', target: p });
      }
    }
    // onFailure always reports a VolcEngineRTCError: a method whose onFailure differs is a slip.
    const failures = c.methods.flatMap((m) => m.params.filter((p) => p.name === 'onFailure' && p.type && !p.open.has('type')).map((p) => ({ m, p, t: typeToText(p.type) })));
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(f.t, (counts.get(f.t) ?? 0) + 1);
    const [common, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    if (n * 2 > failures.length) {
      for (const f of failures.filter((x) => x.t !== common)) {
        diags.add({ file: f.m.file, line: f.p.line, subject: `${c.name}.${f.m.name}`, param: 'onFailure', code: 'CALLBACK_TYPE_MISMATCH', message: `onFailure is \`${f.t}\` here but \`${common}\` in ${n} other methods`, slots: ['type'], need: 'all', target: f.p });
      }
    }
    // A required option object whose every field may be left out.
    for (const m of c.methods) {
      for (const p of m.params) {
        if (p.optional || p.open.has('optional') || /^on[A-Z]/.test(p.name)) continue;
        const fields: DraftParam[] | undefined = p.fields ?? (p.type?.kind === 'ref' ? types.get(p.type.name)?.fields : undefined);
        if (!fields?.length || !fields.every((f) => f.optional)) continue;
        diags.add({ file: m.file, line: p.line, subject: `${c.name}.${m.name}`, param: p.name, code: 'REQUIRED_BUT_ALL_DEFAULTED', message: `\`${p.name}\` is marked required, yet every one of its fields (${fields.map((f) => f.name).join(', ')}) is optional: it could be left out`, slots: ['optional'], need: 'all', target: p });
      }
    }
    // A listener whose callback takes nothing, on a method that takes an event name, while events carry payloads.
    const eventsPage = linkPages.find((l) => l.kind === 'events');
    const payloads = events.filter((e) => e.type).length;
    if (!eventsPage || !payloads) continue;
    for (const m of c.methods) {
      // An event-name parameter: a string described with a link to the events page itself.
      const takesEvent = m.params.some((p) => p.type?.kind === 'primitive' && p.type.name === 'string' && linksIn(p.description).some((l) => l.href === eventsPage.docId));
      if (!takesEvent) continue;
      for (const p of m.params) {
        if (p.type?.kind !== 'function' || p.type.params.length || p.open.has('type') || /^on[A-Z]/.test(p.name)) continue;
        diags.add({ file: m.file, line: p.line, subject: `${c.name}.${m.name}`, param: p.name, code: 'CALLBACK_DROPS_PAYLOAD', message: `\`${p.name}\` is typed \`() => void\`, but ${payloads} events on ${eventsPage.file} deliver a payload to it`, slots: ['type'], need: 'all', target: p });
      }
    }
  }
}

