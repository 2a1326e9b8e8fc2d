// A class described by more than one page: the vendor's page and our own pages (front matter
// `origin: ours`) that add methods (`ours`) or widen a vendor method (`extends`, e.g. `off`
// without a handler). Also the class-wide question of what the callback form returns.
import type { Page, Section } from '../parse/page.js';
import { typeToText } from '../parse/typeexpr.js';
import type { Link } from '../spec/types.js';
import type { Diagnostics, DraftClass, DraftMethod, FixKey } from './model.js';

export interface ClassPage {
  page: Page;
  name: string;
  methods: DraftMethod[];
  sections: Section[];
}

const isAsync = (m: DraftMethod) => m.params.some((p) => p.name === 'onSuccess' || p.name === 'onFailure');

/**
 * A vendor signature in callback style says `): void`, while its member table gives the method a
 * Promise: what the callback form returns is then a decision, asked once per class.
 */
export function callbackFormCheck(diags: Diagnostics, classes: ClassPage[], draft: Map<string, DraftClass>): void {
  for (const [name, target] of draft) {
    const pages = classes.filter((c) => c.name === name);
    const asked = pages.flatMap((c) => c.methods.filter((m) => isAsync(m) && !m.sigReturnsPromise && m.origin !== 'extends'));
    if (!asked.length) continue;
    const first = pages.find((c) => c.methods.includes(asked[0]!))!;
    diags.add({
      file: first.page.file,
      line: first.page.tables[0]?.line ?? first.page.titleLine,
      code: 'CALLBACK_FORM_RETURNS',
      subject: name,
      message: `the signatures of ${asked.map((m) => m.name).join(', ')} do not return a Promise in their callback form (\`): void\`), while the member table gives the calls a Promise: say what the callback form returns`,
      slots: ['callbackReturns'],
      need: 'all',
      target,
    });
  }
}

/**
 * The vendor's signatures declare onSuccess / onFailure required where the tables mark them
 * optional (否): one question per class, not one per method, answered for all of them at once.
 */
export function callbackRequiredCheck(diags: Diagnostics, classes: ClassPage[]): void {
  for (const name of new Set(classes.map((c) => c.name))) {
    const pages = classes.filter((c) => c.name === name);
    const hits = pages.flatMap((c) => c.methods.flatMap((m) => m.params.filter((p) => p.sigRequired).map((p) => ({ c, m, p }))));
    if (!hits.length) continue;
    const params = hits.map((h) => h.p);
    const target = {
      open: new Set<FixKey>(),
      get optional(): boolean {
        return params.every((p) => p.optional);
      },
      set optional(v: boolean) {
        for (const p of params) p.optional = v;
      },
    };
    const methods = [...new Set(hits.map((h) => h.m.name))];
    diags.add({
      file: hits[0]!.c.page.file,
      line: hits[0]!.p.line,
      code: 'REQUIRED_MISMATCH',
      subject: name,
      param: 'onSuccess/onFailure',
      message: `the tables mark the callbacks optional, but the signatures of ${methods.join(', ')} declare them required (no \`?\`)`,
      slots: ['optional'],
      need: 'all',
      target: target as unknown as DraftClass,
    });
  }
}

export interface MergedClass {
  name: string;
  description: string;
  file: string;
  line: number;
  callbackReturns: 'promise' | 'void' | undefined;
  methods: { draft: DraftMethod; links: Link[] }[];
}

/** One class per name: vendor methods in member-table order, then ours; `extends` folded in. */
export function mergeClasses(classes: ClassPage[], links: Map<DraftMethod, Link[]>, draft: Map<string, DraftClass>, problems: string[]): MergedClass[] {
  const out: MergedClass[] = [];
  for (const c of classes) {
    let merged = out.find((x) => x.name === c.name);
    const intro = c.page.intro.map((b) => b.md).join('\n\n');
    if (!merged) {
      merged = {
        name: c.name,
        description: intro,
        file: c.page.file,
        line: c.page.titleLine,
        callbackReturns: draft.get(c.name)?.callbackReturns,
        methods: [],
      };
      out.push(merged);
    } else if (intro) merged.description += `\n\n${intro}`;
    for (const m of c.methods) {
      const base = merged.methods.find((x) => x.draft.name === m.name);
      if (m.origin !== 'extends') {
        if (base)
          problems.push(
            `${m.file}:${m.line}: METHOD_REDEFINED ${c.name}.${m.name}: already defined at ${base.draft.file}:${base.draft.line}; mark the row \`extends\` to widen it`,
          );
        else merged.methods.push({ draft: m, links: links.get(m) ?? [] });
        continue;
      }
      if (!base) {
        problems.push(`${m.file}:${m.line}: EXTENSION_INCOMPATIBLE ${c.name}.${m.name}: the row says \`extends\`, but no earlier page defines ${m.name}`);
        continue;
      }
      const why = extend(base.draft, m);
      if (why) problems.push(`${m.file}:${m.line}: EXTENSION_INCOMPATIBLE ${c.name}.${m.name}: ${why}`);
      else base.links = [...base.links, ...(links.get(m) ?? [])];
    }
  }
  return out;
}

/** Folds our description of a vendor method into it; only widening is allowed (a required parameter may become optional). */
function extend(base: DraftMethod, ext: DraftMethod): string | undefined {
  const bp = base.params.filter((p) => p.present);
  const ep = ext.params.filter((p) => p.present);
  if (bp.map((p) => p.name).join() !== ep.map((p) => p.name).join()) {
    return `it must keep the parameters (${bp.map((p) => p.name).join(', ')}) in order, not (${ep.map((p) => p.name).join(', ')})`;
  }
  for (let i = 0; i < bp.length; i++) {
    const [b, e] = [bp[i]!, ep[i]!];
    if (typeToText(b.type) !== typeToText(e.type)) return `\`${e.name}\` is \`${typeToText(e.type)}\` here but \`${typeToText(b.type)}\` on the vendor's page`;
    if (b.optional && !e.optional) return `\`${e.name}\` is optional on the vendor's page: an extension cannot make it required`;
  }
  if (typeToText(base.returns) !== typeToText(ext.returns))
    return `it returns \`${typeToText(ext.returns)}\` here but \`${typeToText(base.returns)}\` on the vendor's page`;
  for (let i = 0; i < bp.length; i++) {
    const [b, e] = [bp[i]!, ep[i]!];
    b.optional = e.optional;
    if (e.default !== undefined) b.default = e.default;
    if (e.description && e.description !== b.description) b.description = b.description ? `${b.description} ${e.description}` : e.description;
  }
  base.extension = { description: ext.description, remarks: ext.remarks, file: ext.file, line: ext.line };
  return undefined;
}
