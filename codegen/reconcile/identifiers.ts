// Content errors a structural diff cannot see. Two tools:
// - the identifier check: a code span or a link text that names an API identifier must name one
//   that exists (`EVENT.STREAM_ADDED`, `[unSubscribe](#unsubscribe)` are flagged). An override
//   `{ "code": "UNKNOWN_IDENTIFIER", ..., "fix": { "text": "EVENTS.STREAM_ADDED" } }` corrects it;
// - errata: reviewed corrections of prose, `{ "code": "ERRATUM", "subject", "reason",
//   "fix": { "find", "replace" } }`, refused when stale (the text is gone) or redundant.
// Both rewrite the texts of one subject (a method, a class, an event) before the spec is built.
import type { Link } from '../spec/types.js';
import { linksIn } from './links.js';
import type { Diagnostics, FixKey } from './model.js';

/** One editable text of a subject: a description, a remark, a parameter's description... */
export interface TextRef {
  get(): string;
  set(v: string): void;
  file: string;
  line: number;
}

export interface Known {
  methods: Set<string>;
  events: Set<string>;
  errors: Set<string>;
  types: Set<string>;
}

/** The target of an UNKNOWN_IDENTIFIER diagnostic: setting `text` corrects every use in the subject. */
export interface IdentifierTarget {
  open: Set<FixKey>;
  identifier: string;
  text?: string;
  /** false: the override says it is a word in code font, not an API identifier; the text stays. */
  present?: boolean;
}

const IDENT = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const BUILTINS = new Set(['Promise', 'Array', 'Object', 'Function', 'String', 'Number', 'Boolean', 'Error', 'JSON', 'Math', 'Date', 'Map', 'Set']);

/** Why `name` (from a code span, or a link's text when `link` is given) names nothing, or undefined when it is fine. */
function unknown(name: string, k: Known, link?: Link): string | undefined {
  if (link?.target && (link.target.kind === 'method' || link.target.kind === 'event' || (link.target.kind === 'error' && link.href.includes('#')))) {
    const t = link.target;
    const ok = name === t.name || (t.kind === 'event' && name === `EVENTS.${t.name}`) || (t.kind === 'error' && name === `ERROR_CODES.${t.name}`);
    return ok
      ? undefined
      : `the link [${name}](${link.href}) leads to ${t.kind === 'method' ? t.name : t.kind === 'event' ? `EVENTS.${t.name}` : `ERROR_CODES.${t.name}`}, but its text names \`${name}\`, which is no API identifier`;
  }
  if (link) return undefined;
  const [head, ...rest] = name.split('.');
  if (!rest.length) {
    // A PascalCase word in code (StreamEvent, VolcEngineRTCError) names a type.
    if (/^[A-Z][a-z]/.test(head!) && /[a-z]/.test(head!) && !k.types.has(head!) && !BUILTINS.has(head!) && head !== 'Client')
      return `\`${name}\` names no type`;
    return undefined;
  }
  const member = rest.join('.');
  if (head === 'EVENTS') return k.events.has(member) ? undefined : `\`${name}\`: EVENTS has no \`${member}\``;
  if (head === 'ERROR_CODES') return k.errors.has(member) ? undefined : `\`${name}\`: ERROR_CODES has no \`${member}\``;
  if (head === 'EVENT' || head === 'ERROR_CODE') return `\`${name}\`: there is no \`${head}\` (the constant is \`${head}S\`)`;
  if ((head === 'Client' || head === 'client') && rest.length === 1)
    return k.methods.has(member) ? undefined : `\`${name}\`: Client has no method \`${member}\``;
  return undefined;
}

/** Checks every code span and link text of the subjects; one diagnostic per (subject, identifier). */
export function identifierCheck(
  diags: Diagnostics,
  subjects: Map<string, TextRef[]>,
  links: (md: string, ref: TextRef) => Link[],
  k: Known,
  targets: Map<string, IdentifierTarget>,
): void {
  for (const [subject, refs] of subjects) {
    for (const ref of refs) {
      const md = ref.get();
      const found: { name: string; why: string }[] = [];
      for (const m of md.matchAll(/`([^`\n]+)`/g)) {
        const name = m[1]!.trim();
        if (!IDENT.test(name)) continue;
        const why = unknown(name, k);
        if (why) found.push({ name, why });
      }
      for (const l of links(md, ref)) {
        const name = l.text.replace(/`/g, '').trim();
        if (!IDENT.test(name)) continue; // prose ("上限", "error code")
        const why = unknown(name, k, l);
        if (why) found.push({ name, why });
      }
      for (const { name, why } of found) {
        const key = `${subject} ${name}`;
        const target = targets.get(key) ?? { open: new Set<FixKey>(), identifier: name };
        targets.set(key, target);
        diags.add({
          file: ref.file,
          line: ref.line,
          code: 'UNKNOWN_IDENTIFIER',
          subject,
          param: name,
          message: `${why}: correct it with an override (fix.text), or say it names no API identifier (fix.present: false)`,
          slots: ['text', 'present'],
          need: 'any',
          target: target as never,
        });
      }
    }
  }
}

/** Rewrites the identifiers the overrides corrected, in code spans and link texts only. */
export function applyIdentifierFixes(subjects: Map<string, TextRef[]>, targets: Map<string, IdentifierTarget>): void {
  for (const [key, t] of targets) {
    if (t.text === undefined) continue;
    const subject = key.slice(0, key.length - t.identifier.length - 1);
    const esc = t.identifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const span = new RegExp('`' + esc + '`', 'g');
    const label = new RegExp('\\[(`?)' + esc + '\\1\\]\\(', 'g');
    for (const ref of subjects.get(subject) ?? []) {
      ref.set(
        ref
          .get()
          .replace(span, '`' + t.text + '`')
          .replace(label, (_m, tick: string) => `[${tick}${t.text}${tick}](`),
      );
    }
  }
}

export interface Erratum {
  subject: string;
  find: string;
  replace: string;
  reason: string;
  line: number;
}

/** Applies the errata; returns the problems (stale, redundant, malformed), one line each. */
export function applyErrata(subjects: Map<string, TextRef[]>, errata: Erratum[], file: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of errata) {
    const at = `${file}:${e.line}`;
    const key = `${e.subject}\u0000${e.find}`;
    if (seen.has(key)) {
      problems.push(`${at}: DUPLICATE_OVERRIDE ${e.subject}: a second ERRATUM for the same text`);
      continue;
    }
    seen.add(key);
    if (!e.find) {
      problems.push(`${at}: OVERRIDE_INVALID ${e.subject}: an ERRATUM needs fix.find (the wrong text) and fix.replace`);
      continue;
    }
    if (e.find === e.replace) {
      problems.push(`${at}: REDUNDANT_OVERRIDE ${e.subject}: the erratum replaces the text with itself; remove it`);
      continue;
    }
    const refs = (subjects.get(e.subject) ?? []).filter((r) => r.get().includes(e.find));
    if (!refs.length) {
      problems.push(
        `${at}: STALE_OVERRIDE ${e.subject}: the text of this ERRATUM is not on the page any more (${JSON.stringify(e.find.slice(0, 60))}): the vendor fixed the doc, remove it`,
      );
      continue;
    }
    for (const r of refs) r.set(r.get().split(e.find).join(e.replace));
  }
  return problems;
}

export { linksIn };
