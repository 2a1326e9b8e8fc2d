// Pages + overrides -> Spec, or the list of every problem. The one entry point of the parser.
import { readPage, type Page, type Section } from '../parse/page.js';
import { hasColumns } from '../parse/table.js';
import { parseType, refNames, type DType } from '../parse/typeexpr.js';
import type { ErrorCodeDef, Link, Spec } from '../spec/types.js';
import { cellText, readErrorCodes, readEvents } from './catalogs.js';
import { mergeParams } from './fields.js';
import { finalize } from './finalize.js';
import { linksIn, resolveLink, setVendorDocsUrl, slug, type LinkablePage } from './links.js';
import { isParamTable, mergeMethod, TYPE_NAME, type MemberRow } from './methods.js';
import { callbackFormCheck, callbackRequiredCheck, mergeClasses, type ClassPage } from './classes.js';
import { Diagnostics, diagKey, type Diagnostic, type DraftClass, type DraftEvent, type DraftMethod, type DraftType } from './model.js';
import { applyErrata, applyIdentifierFixes, identifierCheck, type IdentifierTarget } from './identifiers.js';
import { applyOverrides, loadOverrides } from './overrides.js';
import { textSubjects } from './texts.js';
import { pageWideChecks } from './siblings.js';

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

export function build(sources: SourcePage[], overridesFile: string, overridesText: string | undefined): BuildResult {
  const loaded = loadOverrides(overridesFile, overridesText);
  setVendorDocsUrl(loaded.data.vendorDocsUrl);
  const diags = new Diagnostics();
  const pages = sources.map((s) => readPage(s.file, s.text));
  for (const p of pages) {
    for (const i of p.issues) {
      // Dropped text may be accepted as dropped by an override ({ "present": false }, with the reason); other damage may not.
      const dropped = i.code === 'TEXT_DROPPED';
      const target = dropped ? ({ open: new Set(), present: true } as unknown as DraftClass) : undefined;
      diags.add({
        file: p.file,
        line: i.line,
        code: i.code,
        subject: p.file.replace(/^.*\//, ''),
        ...(dropped ? { param: i.text ?? '' } : {}),
        message: i.message,
        slots: dropped ? ['present'] : [],
        need: 'all',
        ...(target ? { target } : {}),
      });
    }
  }

  const kinds = new Map(pages.map((p) => [p, kindOf(p)]));
  for (const p of pages) {
    if (kinds.get(p) === 'other' && !p.issues.length) {
      diags.add({
        file: p.file,
        line: p.titleLine,
        code: 'PAGE_UNRECOGNIZED',
        subject: p.file.replace(/^.*\//, ''),
        message: 'no member table (Return | Name), event table (Name | Value) or error-code table (Name | Code) before the first `###` section',
        slots: [],
        need: 'all',
      });
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
          if (!hasParam)
            diags.add({
              file: p.file,
              line: lt.labelLine,
              code: 'TABLE_UNATTACHED',
              subject: `${s.name}`,
              message: `"${name}" is neither a type name nor a parameter of this section: the table is not read`,
              slots: [],
              need: 'all',
            });
          continue;
        }
        const merged = mergeParams(diags, {
          file: p.file,
          subject: name,
          prefix: '',
          sig: null,
          sigLine: lt.labelLine,
          rows: lt.table.rows,
          tableLine: lt.table.line,
          hasTable: true,
        });
        const t: DraftType = { name, description: '', fields: merged.params, open_: false, origin: 'table', file: p.file, line: lt.labelLine, open: new Set() };
        const prev = types.get(name);
        if (prev && typeSig(prev) !== typeSig(t)) {
          diags.add({
            file: p.file,
            line: lt.labelLine,
            code: 'TYPE_REDEFINED',
            subject: name,
            message: `described again with different fields (first at line ${prev.line})`,
            slots: [],
            need: 'all',
          });
        } else if (!prev) types.set(name, t);
      }
    }
  }

  // Events and error codes.
  const events: DraftEvent[] = [];
  const errorCodes: ErrorCodeDef[] = [];
  const linkPages: LinkablePage[] = [];
  for (const p of pages.filter((x) => kinds.get(x) === 'events')) {
    const r = readEvents(diags, p, docId(p));
    events.push(...r.events);
    linkPages.push(r.link);
  }
  for (const p of pages.filter((x) => kinds.get(x) === 'errors')) {
    const r = readErrorCodes(diags, p, docId(p));
    errorCodes.push(...r.errorCodes);
    linkPages.push(r.link);
  }

  // Classes. The vendor's page first; our own pages (front matter `origin: ours`) add to it.
  const sigOverrides = new Map(loaded.data.overrides.filter((o) => o.fix.signature !== undefined).map((o) => [`${o.code} ${o.subject}`, o.fix.signature!]));
  const classes: ClassPage[] = [];
  const isOurs = (p: Page) => /^ours\b/.test(p.frontMatter.origin ?? '');
  const classPages = pages.filter((x) => kinds.get(x) === 'class').sort((a, b) => Number(isOurs(a)) - Number(isOurs(b)));
  const draftClasses = new Map<string, DraftClass>();
  for (const p of classPages) {
    const t = p.tables[0]!;
    const className = p.title ?? 'Client';
    if (!draftClasses.has(className)) draftClasses.set(className, { name: className, open: new Set() });
    const members: MemberRow[] = t.rows.map((r, i) => ({ name: cellText(t, i, 'name'), returns: cellText(t, i, 'returns'), line: r.line }));
    const methods: DraftMethod[] = [];
    const sections: Section[] = [];
    members.forEach((mr, i) => {
      const s = p.sections.find((x) => x.name === mr.name);
      if (!s) {
        diags.add({
          file: p.file,
          line: mr.line,
          code: 'SECTION_MISSING',
          subject: `${className}.${mr.name}`,
          message: `the member table lists ${mr.name} but there is no \`### ${mr.name}\` section`,
          slots: [],
          need: 'all',
        });
        return;
      }
      const cell = cellText(t, i, 'origin') || (isOurs(p) ? 'ours' : 'vendor');
      if (!['vendor', 'ours', 'extends'].includes(cell)) {
        diags.add({
          file: p.file,
          line: mr.line,
          code: 'ORIGIN_INVALID',
          subject: `${className}.${mr.name}`,
          message: `Origin must be vendor, ours or extends, not ${JSON.stringify(cell)}`,
          slots: [],
          need: 'all',
        });
      }
      const origin = cell === 'ours' || cell === 'extends' ? cell : 'vendor';
      // An `extends` section speaks of a vendor method: its diagnostics name it apart.
      const subject = `${className}.${s.name}`;
      const so = sigOverrides.get(`SIGNATURE_MISSING ${subject}`) ?? sigOverrides.get(`SIGNATURE_UNPARSABLE ${subject}`);
      methods.push(mergeMethod(diags, { file: p.file, className, section: s, member: mr, origin, ...(so !== undefined ? { signatureOverride: so } : {}) }));
      sections.push(s);
    });
    for (const s of p.sections) {
      if (!members.some((m) => m.name === s.name))
        diags.add({
          file: p.file,
          line: s.line,
          code: 'NOT_IN_MEMBER_TABLE',
          subject: `${className}.${s.name}`,
          message: 'the section is not listed in the member table',
          slots: [],
          need: 'all',
        });
    }
    classes.push({ page: p, name: className, methods, sections });
    linkPages.push({ file: p.file, docId: docId(p), kind: 'class', title: className, anchors: new Map(p.sections.map((s) => [slug(s.name), s.name])) });
  }
  callbackFormCheck(diags, classes, draftClasses);
  callbackRequiredCheck(diags, classes);

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
    const placeholder: DraftType = {
      name,
      description: '',
      fields: [],
      open_: false,
      origin: 'override',
      file: first.file,
      line: first.line,
      placeholder: true,
      open: new Set(),
    };
    types.set(name, placeholder);
    const list = [...new Set(where.map((w) => w.where))].join(', ');
    diags.add({
      file: first.file,
      line: first.line,
      code: 'UNKNOWN_TYPE',
      subject: name,
      message: `\`${name}\` is used (${list}) but no page defines it`,
      slots: ['define', 'type'],
      need: 'any',
      target: placeholder,
    });
  }

  // Links: broken ones are page damage.
  const fromOf = (file: string) => linkPages.find((l) => l.file === file)!;
  const methodTexts = (m: DraftMethod) => [
    m.description,
    ...m.params.map((p) => p.description),
    ...m.params.flatMap((p) => (p.fields ?? []).map((f) => f.description)),
    ...m.remarks,
  ];
  const linksOf = (m: DraftMethod, report: boolean, className: string): Link[] => {
    const links: Link[] = [];
    for (const { text, href } of methodTexts(m).flatMap(linksIn)) {
      if (links.some((l) => l.href === href && l.text === text)) continue;
      const r = resolveLink(text, href, fromOf(m.file), linkPages);
      if ('broken' in r && report)
        diags.add({
          file: m.file,
          line: m.line,
          code: 'BROKEN_LINK',
          subject: `${className}.${m.name}`,
          param: href,
          message: r.broken,
          slots: [],
          need: 'all',
        });
      links.push(r.link);
    }
    return links;
  };
  for (const c of classes) for (const m of c.methods) linksOf(m, true, c.name);
  for (const e of events) {
    for (const { text, href } of linksIn(e.description)) {
      const r = resolveLink(text, href, fromOf(e.file), linkPages);
      if ('broken' in r)
        diags.add({ file: e.file, line: e.line, code: 'BROKEN_LINK', subject: `EVENTS.${e.name}`, param: href, message: r.broken, slots: [], need: 'all' });
    }
  }

  // Identifiers named in code spans and link texts must exist.
  const subjects = textSubjects(classes, types, events, errorCodes);
  const api = {
    methods: new Set(classes.flatMap((c) => c.methods.map((m) => m.name))),
    events: new Set(events.map((e) => e.name)),
    errors: new Set(errorCodes.map((e) => e.name)),
    types: new Set([...types.keys(), ...loaded.data.overrides.flatMap((o) => (o.fix.typeName ? [o.fix.typeName] : []))]),
  };
  const idTargets = new Map<string, IdentifierTarget>();
  identifierCheck(diags, subjects, (md, ref) => linksIn(md).map((l) => resolveLink(l.text, l.href, fromOf(ref.file), linkPages).link), api, idTargets);

  // Overrides, then the spec.
  const all = [...diags.list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.code.localeCompare(b.code) || diagKey(a).localeCompare(diagKey(b)),
  );
  const applied = applyOverrides(all, loaded);
  // Corrections of content: identifiers (UNKNOWN_IDENTIFIER overrides), then the errata.
  applyIdentifierFixes(subjects, idTargets);
  const errataProblems = applyErrata(subjects, loaded.errata, loaded.file);
  const methodLinks = new Map<DraftMethod, Link[]>(classes.flatMap((c) => c.methods.map((m) => [m, linksOf(m, false, c.name)] as const)));
  const resolvedDiags: Spec['diagnostics'] = all
    .filter((d) => applied.resolved.has(diagKey(d)))
    .map((d) => ({
      code: d.code,
      file: d.file,
      line: d.line,
      subject: d.subject,
      ...(d.param ? { param: d.param } : {}),
      message: d.message,
      resolution: applied.resolved.get(diagKey(d))!.reason,
    }));
  const extensionProblems: string[] = [];
  const final = finalize({
    sources: pages.map((p) => ({ file: p.file, sha256: p.sha256 })),
    classes: mergeClasses(classes, methodLinks, draftClasses, extensionProblems),
    types,
    events,
    errorCodes,
    diagnostics: resolvedDiags,
    errata: loaded.errata.map((e) => ({ subject: e.subject, find: e.find, replace: e.replace, reason: e.reason })),
    intros: Object.fromEntries(
      (['events', 'errorCodes'] as const).flatMap((k) => {
        const p = pages.find((x) => kinds.get(x) === (k === 'events' ? 'events' : 'errors'));
        return p ? [[k, { file: p.file, md: p.intro.map((b) => b.md).join('\n\n') }]] : [];
      }),
    ),
    resolveLinks: (md, file) => {
      const out: Link[] = [];
      for (const l of linksIn(md))
        if (!out.some((x) => x.href === l.href && x.text === l.text)) out.push(resolveLink(l.text, l.href, fromOf(file), linkPages).link);
      return out;
    },
  });
  // Finalisation problems only mean something once every diagnostic is answered.
  const problems = applied.problems.length || errataProblems.length ? [...applied.problems, ...errataProblems] : [...extensionProblems, ...final.problems];
  return { problems, diagnostics: all, ...(problems.length ? {} : { spec: final.spec }) };
}
