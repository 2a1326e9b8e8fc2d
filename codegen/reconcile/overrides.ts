// spec/overrides.json: the reviewed answers to the diagnostics. Each entry names one diagnostic
// by (code, subject[, param]), says why, and states what the spec should say (`fix`). Applying
// them is strict: an unanswered diagnostic, an entry that matches nothing (stale), an entry whose
// fix changes nothing (redundant) and a fix that leaves the question open are all errors.
import { parseSignature, parseType, typeToText, type DType } from '../parse/typeexpr.js';
import { diagKey, formatDiagnostic, type Diagnostic, type DraftParam, type DraftType, type FixKey, type Target } from './model.js';
import { jsonLines } from '../spec/jsonlines.js';
import { overridesSchema, schemaErrors } from '../spec/schema.js';
import type { Erratum } from './identifiers.js';
import { TYPE_NAME } from './methods.js';

export interface FieldDef {
  /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */
  name: string;
  /** @minLength 1 */
  type: string;
  optional: boolean;
  default?: string;
  description?: string;
}

export interface Fix {
  name?: string;
  returns?: string;
  order?: string[];
  signature?: string;
  type?: string;
  optional?: boolean;
  default?: string | null;
  present?: boolean;
  typeName?: string;
  define?: { description?: string; open: boolean; fields: FieldDef[] };
  callbackReturns?: 'promise' | 'void';
  /** UNKNOWN_IDENTIFIER: the identifier the page meant. */
  text?: string;
  /** ERRATUM: the wrong text and its correction. */
  find?: string;
  replace?: string;
}

/** One reviewed answer: the diagnostic it answers (code, subject, param), why, and what the spec says. */
export interface OverrideEntry {
  /** @pattern ^[A-Z][A-Z0-9_]*$ */
  code: string;
  /** @minLength 1 */
  subject: string;
  /** @minLength 1 */
  param?: string;
  /** @minLength 1 */
  reason: string;
  fix: Fix;
}

/** The file spec/overrides.json (its schema, spec/overrides.schema.json, is generated from these types). */
export interface OverridesFile {
  /** Pages that cannot say their own doc id (the vendor's page is copied verbatim). */
  pages?: Record<string, { /** @pattern ^[0-9]+$ */ docId: string }>;
  /** Where the vendor publishes its pages: a link to a doc id no page here has becomes this URL + the id. @pattern ^https:// */
  vendorDocsUrl?: string;
  overrides: OverrideEntry[];
}

export interface LoadedOverrides {
  file: string;
  data: OverridesFile;
  /** 1-based line of each entry, for messages. */
  lines: number[];
  problems: string[];
  /** The ERRATUM entries: corrections of prose, applied to the texts of their subject. */
  errata: Erratum[];
}

const FIX_KEYS: FixKey[] = ['name', 'returns', 'order', 'signature', 'type', 'optional', 'default', 'present', 'typeName', 'define', 'callbackReturns', 'text'];

export function loadOverrides(file: string, text: string | undefined): LoadedOverrides {
  const empty: LoadedOverrides = { file, data: { overrides: [] }, lines: [], problems: [], errata: [] };
  if (text === undefined) return empty;
  let data: unknown;
  const problems: string[] = [];
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ...empty, problems: [`${file}:1: OVERRIDES_INVALID overrides: not JSON (${(e as Error).message})`] };
  }
  const d = data as Partial<OverridesFile>;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.overrides)) {
    return { ...empty, problems: [`${file}:1: OVERRIDES_INVALID overrides: expected an object with an "overrides" array`] };
  }
  // The schema (generated from the types above) first, every error at its line.
  const at = jsonLines(text);
  const lineOf = (ptr: string) => {
    for (let p = ptr; ; p = p.slice(0, p.lastIndexOf('/'))) if (at.has(p) || !p) return at.get(p) ?? 1;
  };
  const badEntries = new Set<number>();
  for (const e of schemaErrors(overridesSchema(), data)) {
    const where = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
    const entry = /^\/overrides\/(\d+)/.exec(e.instancePath);
    if (entry) badEntries.add(Number(entry[1]));
    // oneOf/anyOf restate their branches' errors: keep the branch errors only.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    problems.push(`${file}:${lineOf(e.instancePath)}: OVERRIDES_INVALID ${where}: ${e.message ?? 'invalid'}${extra}`);
  }
  const lines = d.overrides.map((_, i) => lineOf(`/overrides/${i}/code`));
  const ok: OverrideEntry[] = [];
  const errata: Erratum[] = [];
  d.overrides.forEach((e, i) => {
    if (badEntries.has(i)) return;
    const line = lines[i] ?? 1;
    const bad = (msg: string) => problems.push(`${file}:${line}: OVERRIDES_INVALID entry ${i + 1}: ${msg}`);
    if (typeof e !== 'object' || e === null) return bad('not an object');
    if (typeof e.code !== 'string' || typeof e.subject !== 'string') return bad('needs "code" and "subject" strings');
    if (e.param !== undefined && typeof e.param !== 'string') return bad('"param" must be a string');
    if (typeof e.reason !== 'string' || !e.reason.trim()) return bad('needs a "reason": why this is the right answer');
    if (typeof e.fix !== 'object' || e.fix === null) return bad('needs a "fix" object');
    if (e.code === 'ERRATUM') {
      const keys = Object.keys(e.fix);
      if (typeof e.fix.find !== 'string' || typeof e.fix.replace !== 'string' || keys.length !== 2)
        return bad('an ERRATUM fix is exactly { "find": "...", "replace": "..." }');
      errata.push({ subject: e.subject, find: e.fix.find, replace: e.fix.replace, reason: e.reason, line });
      return;
    }
    const unknown = Object.keys(e.fix).filter((k) => !FIX_KEYS.includes(k as FixKey));
    if (unknown.length) return bad(`unknown fix keys ${unknown.join(', ')}`);
    ok.push(e);
  });
  const pages: Record<string, { docId: string }> = {};
  for (const [k, v] of Object.entries(d.pages ?? {})) {
    // A bad one is reported by the schema above.
    if (typeof v?.docId === 'string' && /^\d+$/.test(v.docId)) pages[k] = v;
  }
  const kept = d.overrides.map((e, i) => ({ e, line: lines[i] ?? 1 })).filter((x) => ok.includes(x.e));
  return {
    file,
    data: { pages, overrides: ok, ...(typeof d.vendorDocsUrl === 'string' ? { vendorDocsUrl: d.vendorDocsUrl } : {}) },
    lines: kept.map((x) => x.line),
    problems,
    errata,
  };
}

export interface Applied {
  /** Diagnostic key -> the entry that answered it. */
  resolved: Map<string, OverrideEntry>;
  problems: string[];
}

function typeOf(text: string): DType | undefined {
  return parseType(text);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Current value of a slot, in the fix's own vocabulary, to tell a no-op fix. */
function current(t: Target, k: FixKey): unknown {
  const r = t as unknown as Record<string, unknown>;
  switch (k) {
    case 'type':
      return 'alias' in t || 'placeholder' in t ? undefined : r.type ? typeToText(r.type as DType) : undefined;
    case 'returns':
      return r.returns ? typeToText(r.returns as DType) : undefined;
    case 'default':
      return r.default ?? null;
    case 'define':
    case 'signature':
      return undefined;
    default:
      return r[k];
  }
}

function fixValue(k: FixKey, v: unknown): unknown {
  if ((k === 'type' || k === 'returns') && typeof v === 'string') {
    const t = typeOf(v);
    return t ? typeToText(t) : v;
  }
  return v;
}

export function applyOverrides(diags: Diagnostic[], loaded: LoadedOverrides): Applied {
  const problems = [...loaded.problems];
  const resolved = new Map<string, OverrideEntry>();
  const entries = new Map<string, { e: OverrideEntry; line: number }>();
  const where = (e: OverrideEntry) => loaded.lines[loaded.data.overrides.indexOf(e)] ?? 1;
  const subj = (e: OverrideEntry) => `${e.subject}${e.param ? `(${e.param})` : ''}`;

  for (const e of loaded.data.overrides) {
    const key = diagKey(e);
    if (entries.has(key)) {
      problems.push(
        `${loaded.file}:${where(e)}: DUPLICATE_OVERRIDE ${subj(e)}: a second override for ${e.code}; the one at line ${entries.get(key)!.line} already answers it`,
      );
      continue;
    }
    entries.set(key, { e, line: where(e) });
  }
  const byKey = new Map(diags.map((d) => [diagKey(d), d]));
  for (const [key, { e, line }] of entries) {
    if (!byKey.has(key)) {
      problems.push(
        `${loaded.file}:${line}: STALE_OVERRIDE ${subj(e)}: no ${e.code} diagnostic for it any more: the vendor fixed the doc, remove this override`,
      );
    }
  }

  for (const d of diags) {
    const key = diagKey(d);
    const hit = entries.get(key);
    if (!hit && d.rule && d.target) {
      // A codegen rule answers it (an override for the same diagnostic would win).
      const err = setSlots(d.target, d.rule.fix as Fix, Object.keys(d.rule.fix) as FixKey[]);
      if (err) problems.push(`${formatDiagnostic(d)} [rule ${d.rule.name}: ${err}]`);
      else {
        for (const s of d.slots) d.target.open.delete(s);
        resolved.set(key, {
          code: d.code,
          subject: d.subject,
          ...(d.param ? { param: d.param } : {}),
          reason: `Rule ${d.rule.name} (codegen): ${d.rule.reason}`,
          fix: d.rule.fix as Fix,
        });
      }
      continue;
    }
    if (!hit) {
      problems.push(formatDiagnostic(d) + (d.slots.length ? '' : ' [fix the page: no override can answer this]'));
      continue;
    }
    const { e, line } = hit;
    const at = `${loaded.file}:${line}`;
    if (!d.slots.length || !d.target) {
      problems.push(`${at}: OVERRIDE_NOT_ALLOWED ${subj(e)}: ${d.code} is damage to the page itself; fix the page instead`);
      continue;
    }
    const keys = Object.keys(e.fix) as FixKey[];
    const foreign = keys.filter((k) => !d.slots.includes(k));
    if (foreign.length) {
      problems.push(`${at}: OVERRIDE_INVALID ${subj(e)}: a fix for ${d.code} can set ${d.slots.join(' / ')}, not ${foreign.join(', ')}`);
      continue;
    }
    const missing = d.slots.filter((k) => !keys.includes(k) && k !== 'default');
    if (d.need === 'all' ? missing.length : !keys.length) {
      problems.push(
        `${at}: OVERRIDE_INCOMPLETE ${subj(e)}: a fix for ${d.code} must set ${d.need === 'all' ? missing.join(' and ') : `one of ${d.slots.join(' / ')}`}`,
      );
      continue;
    }
    const target = d.target;
    if (keys.every((k) => !target.open.has(k) && same(current(target, k), fixValue(k, e.fix[k])))) {
      problems.push(`${at}: REDUNDANT_OVERRIDE ${subj(e)}: its fix changes nothing: the doc already says this; remove the override`);
      continue;
    }
    const err = setSlots(target, e.fix, keys);
    if (err) {
      problems.push(`${at}: OVERRIDE_INVALID ${subj(e)}: ${err}`);
      continue;
    }
    for (const s of d.slots) target.open.delete(s);
    resolved.set(key, e);
  }
  return { resolved, problems };
}

function setSlots(t: Target, fix: Fix, keys: FixKey[]): string | undefined {
  const r = t as unknown as Record<string, unknown>;
  for (const k of keys) {
    const v = fix[k];
    switch (k) {
      case 'type':
      case 'returns': {
        const parsed = typeof v === 'string' ? typeOf(v) : undefined;
        if (!parsed) return `fix.${k} ${JSON.stringify(v)} is not a TypeScript type`;
        if ('placeholder' in t && t.placeholder) (t as DraftType).alias = parsed;
        else r[k] = parsed;
        break;
      }
      case 'optional':
      case 'present':
        if (typeof v !== 'boolean') return `fix.${k} must be true or false`;
        r[k] = v;
        break;
      case 'default':
        if (v === null) delete r.default;
        else if (typeof v === 'string') r.default = v;
        else return 'fix.default must be a string (the default as the doc would write it) or null';
        break;
      case 'name':
      case 'signature':
        if (typeof v !== 'string' || !v.trim()) return `fix.${k} must be a non-empty string`;
        if (k === 'name') r.name = v;
        else if ('error' in parseSignature(v)) return `fix.signature does not parse: ${(parseSignature(v) as { error: string }).error}`;
        break;
      case 'text':
        if (typeof v !== 'string' || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(v)) return 'fix.text must be the identifier the page meant';
        if (v === (t as unknown as { identifier?: string }).identifier) return 'fix.text restates the identifier: nothing would change';
        r.text = v;
        break;
      case 'callbackReturns':
        if (v !== 'promise' && v !== 'void') return 'fix.callbackReturns must be "promise" or "void"';
        r.callbackReturns = v;
        break;
      case 'typeName':
        if (typeof v !== 'string' || !TYPE_NAME.test(v)) return 'fix.typeName must be a type name (PascalCase)';
        (t as DraftParam).typeName = v;
        break;
      case 'order':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return 'fix.order must be an array of parameter names';
        r.order = v;
        break;
      case 'define': {
        const def = v as Fix['define'];
        if (!def || typeof def.open !== 'boolean' || !Array.isArray(def.fields)) return 'fix.define needs "open" and "fields"';
        const dt = t as DraftType;
        dt.open_ = def.open;
        dt.description = def.description ?? '';
        dt.origin = 'override';
        dt.fields = [];
        for (const f of def.fields) {
          const ft = typeof f?.type === 'string' ? typeOf(f.type) : undefined;
          if (!ft || typeof f.name !== 'string' || typeof f.optional !== 'boolean')
            return `fix.define field ${JSON.stringify(f?.name)} needs name, a TypeScript type and optional`;
          dt.fields.push({
            name: f.name,
            type: ft,
            optional: f.optional,
            ...(f.default !== undefined ? { default: f.default } : {}),
            present: true,
            description: f.description ?? '',
            line: dt.line,
            open: new Set(),
          });
        }
        dt.placeholder = false;
        break;
      }
    }
  }
  return undefined;
}
