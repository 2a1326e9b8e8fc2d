// Checks that compare a method with its siblings, or a page with another page.
import type { Page } from '../parse/page.js';
import { typeToText } from '../parse/typeexpr.js';
import { linksIn, type LinkablePage } from './links.js';
import type { Diagnostics, DraftEvent, DraftMethod, DraftParam, DraftType, Rule } from './model.js';

/** An option object whose every field has a documented default may be left out: `{}` is its default. */
export const OPTIONAL_OPTIONS: Rule = {
  name: 'OPTIONAL_OPTIONS',
  reason: 'every field of the option object has a documented default, so the object may be left out and means all of them (`{}`)',
  fix: { optional: true, default: '{}' },
};

/** Checks that compare a method with its siblings or with other pages. */
export function pageWideChecks(
  diags: Diagnostics,
  classes: { page: Page; name: string; methods: DraftMethod[] }[],
  types: Map<string, DraftType>,
  events: DraftEvent[],
  linkPages: LinkablePage[],
): void {
  for (const c of classes) {
    // Callbacks: a callback required in one method and optional in the others is a slip.
    for (const cb of ['onSuccess', 'onFailure']) {
      const withIt = c.methods.flatMap((m) => m.params.filter((p) => p.name === cb && !p.open.has('optional')).map((p) => ({ m, p })));
      const optional = withIt.filter((x) => x.p.optional).length;
      const majority = optional * 2 >= withIt.length;
      if (withIt.length < 3) continue;
      for (const { m, p } of withIt) {
        if (p.optional === majority) continue;
        diags.add({
          file: m.file,
          line: p.line,
          subject: `${c.name}.${m.name}`,
          param: cb,
          code: 'REQUIRED_MISMATCH',
          message: `${cb} is marked ${p.optional ? 'optional' : 'required'} here but ${majority ? 'optional' : 'required'} in ${withIt.filter((x) => x.p.optional === majority).length} other methods`,
          slots: ['optional', 'default'],
          need: 'all',
          target: p,
        });
      }
    }
    // onFailure always reports a VolcEngineRTCError: a method whose onFailure differs is a slip.
    const failures = c.methods.flatMap((m) =>
      m.params.filter((p) => p.name === 'onFailure' && p.type && !p.open.has('type')).map((p) => ({ m, p, t: typeToText(p.type) })),
    );
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(f.t, (counts.get(f.t) ?? 0) + 1);
    const [common, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    if (n * 2 > failures.length) {
      for (const f of failures.filter((x) => x.t !== common)) {
        diags.add({
          file: f.m.file,
          line: f.p.line,
          subject: `${c.name}.${f.m.name}`,
          param: 'onFailure',
          code: 'CALLBACK_TYPE_MISMATCH',
          message: `onFailure is \`${f.t}\` here but \`${common}\` in ${n} other methods`,
          slots: ['type'],
          need: 'all',
          target: f.p,
        });
      }
    }
    // A required option object whose every field may be left out.
    for (const m of c.methods) {
      for (const p of m.params) {
        if (p.optional || p.open.has('optional') || /^on[A-Z]/.test(p.name)) continue;
        const fields: DraftParam[] | undefined = p.fields ?? (p.type?.kind === 'ref' ? types.get(p.type.name)?.fields : undefined);
        if (!fields?.length || !fields.every((f) => f.optional)) continue;
        // Every field with a documented default: leaving the object out means all the defaults.
        const allDefaulted = fields.every((f) => f.default !== undefined);
        diags.add({
          file: m.file,
          line: p.line,
          subject: `${c.name}.${m.name}`,
          param: p.name,
          code: 'REQUIRED_BUT_ALL_DEFAULTED',
          message: `\`${p.name}\` is marked required, yet every one of its fields (${fields.map((f) => f.name).join(', ')}) is optional: it could be left out`,
          slots: ['optional', 'default'],
          need: 'all',
          target: p,
          ...(allDefaulted ? { rule: OPTIONAL_OPTIONS } : {}),
        });
      }
    }
    // A listener whose callback takes nothing, on a method that takes an event name, while events carry payloads.
    const eventsPage = linkPages.find((l) => l.kind === 'events');
    const payloads = events.filter((e) => e.type).length;
    if (!eventsPage || !payloads) continue;
    for (const m of c.methods) {
      // An event-name parameter: a string described with a link to the events page itself.
      const takesEvent = m.params.some(
        (p) => p.type?.kind === 'primitive' && p.type.name === 'string' && linksIn(p.description).some((l) => l.href === eventsPage.docId),
      );
      if (!takesEvent) continue;
      for (const p of m.params) {
        if (p.type?.kind !== 'function' || p.type.params.length || p.open.has('type') || /^on[A-Z]/.test(p.name)) continue;
        diags.add({
          file: m.file,
          line: p.line,
          subject: `${c.name}.${m.name}`,
          param: p.name,
          code: 'CALLBACK_DROPS_PAYLOAD',
          message: `\`${p.name}\` is typed \`() => void\`, but ${payloads} events on ${eventsPage.file} deliver a payload to it`,
          slots: ['type'],
          need: 'all',
          target: p,
        });
      }
    }
  }
}
