// The events page and the error-code page: one table each, plus (for events) a `###` section
// per event whose "XXX configuration" table or "The payload is a `X`." sentence gives the payload.
import type { Page } from '../parse/page.js';
import type { Table } from '../parse/table.js';
import type { ErrorCodeDef } from '../spec/types.js';
import { slug, type LinkablePage } from './links.js';
import { TYPE_NAME } from './methods.js';
import type { Diagnostics, DraftEvent } from './model.js';

export const cellText = (t: Table, i: number, c: 'name' | 'returns' | 'value' | 'origin' | 'code' | 'category' | 'description') =>
  t.rows[i]?.cells[c]?.text.replace(/`/g, '').replace(/\s+/g, ' ').trim() ?? '';
const cellMd = (t: Table, i: number) => t.rows[i]?.cells.description?.md ?? '';

export function readEvents(diags: Diagnostics, p: Page, docId: string | undefined): { events: DraftEvent[]; link: LinkablePage } {
  const events: DraftEvent[] = [];
  const t = p.tables[0]!;
  const anchors = new Map<string, string>();
  t.rows.forEach((row, i) => {
    const name = cellText(t, i, 'name');
    const value = cellText(t, i, 'value');
    const origin = cellText(t, i, 'origin') || 'vendor';
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !value) {
      diags.add({
        file: p.file,
        line: row.line,
        code: 'TABLE_ROW_MALFORMED',
        subject: 'EVENTS',
        message: `an event row needs an UPPER_CASE name and a value (got ${JSON.stringify(name)} / ${JSON.stringify(value)})`,
        slots: [],
        need: 'all',
      });
      return;
    }
    if (origin !== 'vendor' && origin !== 'ours')
      diags.add({
        file: p.file,
        line: row.line,
        code: 'ORIGIN_INVALID',
        subject: `EVENTS.${name}`,
        message: `Origin must be vendor or ours, not ${JSON.stringify(origin)}`,
        slots: [],
        need: 'all',
      });
    anchors.set(value.toLowerCase(), name);
    anchors.set(slug(name), name);
    const s = p.sections.find((x) => x.name === name);
    const e: DraftEvent = {
      name,
      value,
      origin: origin === 'ours' ? 'ours' : 'vendor',
      description: [cellMd(t, i), ...(s ? [...s.description, ...s.remarks, ...s.returns].map((b) => b.md) : [])].filter(Boolean).join('\n\n'),
      file: p.file,
      line: s?.line ?? row.line,
      open: new Set(),
    };
    if (!s)
      diags.add({
        file: p.file,
        line: row.line,
        code: 'SECTION_MISSING',
        subject: `EVENTS.${name}`,
        message: `the event table lists ${name} but there is no \`### ${name}\` section`,
        slots: [],
        need: 'all',
      });
    else {
      const own = s.tables.find((lt) => lt.label?.kind === 'type' && TYPE_NAME.test(lt.label.name));
      const said = s.description.map((b) => /payload is an? `([A-Za-z_][\w]*)`|载荷(?:为|是)\s*`([A-Za-z_][\w]*)`/i.exec(b.md)).find(Boolean);
      const named = own?.label?.kind === 'type' ? own.label.name : (said?.[1] ?? said?.[2]);
      if (named) e.type = { kind: 'ref', name: named };
      else
        diags.add({
          file: p.file,
          line: s.line,
          code: 'EVENT_PAYLOAD_MISSING',
          subject: `EVENTS.${name}`,
          message: 'the section defines no payload table and does not say "The payload is a `Type`."',
          slots: ['type'],
          need: 'all',
          target: e,
        });
    }
    events.push(e);
  });
  for (const s of p.sections)
    if (!t.rows.some((_, i) => cellText(t, i, 'name') === s.name))
      diags.add({
        file: p.file,
        line: s.line,
        code: 'NOT_IN_MEMBER_TABLE',
        subject: `EVENTS.${s.name}`,
        message: 'the section is not in the event table',
        slots: [],
        need: 'all',
      });
  return { events, link: { file: p.file, docId, kind: 'events', title: p.title ?? 'EVENTS', anchors } };
}

export function readErrorCodes(diags: Diagnostics, p: Page, docId: string | undefined): { errorCodes: ErrorCodeDef[]; link: LinkablePage } {
  const errorCodes: ErrorCodeDef[] = [];
  const t = p.tables[0]!;
  const anchors = new Map<string, string>();
  t.rows.forEach((row, i) => {
    const name = cellText(t, i, 'name');
    const code = Number(cellText(t, i, 'code'));
    const origin = cellText(t, i, 'origin') || 'vendor';
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !Number.isInteger(code)) {
      diags.add({
        file: p.file,
        line: row.line,
        code: 'TABLE_ROW_MALFORMED',
        subject: 'ERROR_CODES',
        message: `an error row needs an UPPER_CASE name and an integer code (got ${JSON.stringify(name)} / ${JSON.stringify(cellText(t, i, 'code'))})`,
        slots: [],
        need: 'all',
      });
      return;
    }
    const dup = errorCodes.find((x) => x.name === name || x.code === code);
    if (dup)
      diags.add({
        file: p.file,
        line: row.line,
        code: 'DUPLICATE_ERROR_CODE',
        subject: `ERROR_CODES.${name}`,
        message: `${name} = ${code} repeats ${dup.name} = ${dup.code} (line ${dup.source.line})`,
        slots: [],
        need: 'all',
      });
    if (origin !== 'vendor' && origin !== 'ours')
      diags.add({
        file: p.file,
        line: row.line,
        code: 'ORIGIN_INVALID',
        subject: `ERROR_CODES.${name}`,
        message: `Origin must be vendor or ours, not ${JSON.stringify(origin)}`,
        slots: [],
        need: 'all',
      });
    anchors.set(name.toLowerCase(), name);
    anchors.set(String(code), name);
    errorCodes.push({
      name,
      code,
      category: cellText(t, i, 'category'),
      origin: origin === 'ours' ? 'ours' : 'vendor',
      description: cellMd(t, i),
      source: { file: p.file, line: row.line },
    });
  });
  return { errorCodes, link: { file: p.file, docId, kind: 'errors', title: p.title ?? 'ERROR_CODES', anchors } };
}
