// One list of parameters (or object fields) described twice, by a signature and by a table:
// merged, with a diagnostic for each way the two disagree. Used for method parameters and for
// the fields of inline option objects alike, so every check is the same for both.
import { readDefault, readRequired, type Row } from '../parse/table.js';
import { parseType, typeToText, type DParam, type DType } from '../parse/typeexpr.js';
import { Diagnostics, type DraftParam } from './model.js';

export interface MergeInput {
  file: string;
  subject: string;
  /** "options." for the fields of `options`; "" for method parameters. */
  prefix: string;
  /** null when there is no signature for this list (a table-only type). */
  sig: DParam[] | null;
  sigLine: number;
  rows: Row[];
  /** Where the table is, for parameters the table lacks. */
  tableLine: number;
  hasTable: boolean;
}

export interface MergeResult {
  params: DraftParam[];
  /** Set when the two sources list the shared parameters in different orders. */
  orderMismatch?: { sig: string[]; table: string[] };
}

/** Two types that say the same thing, allowing the table's vaguer words ("function", "object"). */
export function compatible(sig: DType, table: DType): boolean {
  if (table.kind === 'anyFunction') return sig.kind === 'function' || sig.kind === 'anyFunction';
  if (table.kind === 'anyObject') return sig.kind === 'object' || sig.kind === 'ref' || sig.kind === 'anyObject';
  if (sig.kind === 'any' || table.kind === 'any') return false;
  return typeToText(sig) === typeToText(table);
}

/** The first `code span` of a description that is a function type: how callbacks are described. */
export function functionInDescription(md: string): DType | undefined {
  for (const m of md.matchAll(/`([^`]+)`/g)) {
    const t = parseType(m[1]!);
    if (t?.kind === 'function') return t;
  }
  return undefined;
}

const SRC = (file: string, line: number) => ({ file, line });
const CALLBACK = /^on(Success|Failure)$/;
/** Whether a diagnostic's param names a field (`options.screen`) rather than a parameter. */
const prefix = (param: string) => param.includes('.');

export function mergeParams(diags: Diagnostics, inp: MergeInput): MergeResult {
  const { file, subject, prefix } = inp;
  const seen = new Set<string>();
  const rows = inp.rows.filter((r) => {
    const name = r.cells.name?.text.replace(/`/g, '').trim();
    if (name && seen.has(name)) {
      diags.add({
        ...SRC(file, r.line),
        code: 'TABLE_ROW_MALFORMED',
        subject,
        param: `${prefix}${name}`,
        message: `the table describes \`${name}\` twice; the second row is ignored`,
        slots: [],
        need: 'all',
      });
      return false;
    }
    if (name) seen.add(name);
    if (name && /^[A-Za-z_$][\w$]*$/.test(name)) return true;
    diags.add({
      ...SRC(file, r.line),
      code: 'TABLE_ROW_MALFORMED',
      subject,
      message: `a table row has no usable name in its first column (${JSON.stringify(name ?? '')}); the row is ignored`,
      slots: [],
      need: 'all',
    });
    return false;
  });
  const rowName = (r: Row) => r.cells.name!.text.replace(/`/g, '').trim();
  const sig = inp.sig ?? [];
  const sigNames = sig.map((p) => p.name);
  const rowNames = rows.map(rowName);
  const out: DraftParam[] = [];
  const pname = (n: string) => `${prefix}${n}`;

  // A parameter named differently in the two places, at the same position, is one rename.
  const renamedFrom = new Map<string, string>(); // table name -> signature name
  if (inp.sig && inp.hasTable && sig.length === rows.length) {
    sig.forEach((p, i) => {
      const r = rowNames[i]!;
      if (p.name !== r && !rowNames.includes(p.name) && !sigNames.includes(r)) renamedFrom.set(r, p.name);
    });
  }

  const add = (p: DraftParam) => out.push(p);

  for (const sp of sig) {
    const rowIdx = rowNames.findIndex((n) => n === sp.name || renamedFrom.get(n) === sp.name);
    const row = rowIdx >= 0 ? rows[rowIdx] : undefined;
    const p = fromSources(diags, file, subject, pname(sp.name), sp, row, inp.sigLine);
    if (row && rowName(row) !== sp.name) {
      diags.add({
        ...SRC(file, row.line),
        code: 'PARAM_NAME_MISMATCH',
        subject,
        param: pname(sp.name),
        message: `the signature calls this parameter \`${sp.name}\` but the table calls it \`${rowName(row)}\``,
        slots: ['name'],
        need: 'all',
        target: p,
      });
    }
    // Fields of an inline literal nobody tabulated: UNNAMED_TYPE already says so, once.
    if (!row && inp.sig && (inp.hasTable || !prefix)) {
      diags.add({
        ...SRC(file, inp.hasTable ? inp.tableLine : inp.sigLine),
        code: 'PARAM_MISSING_IN_TABLE',
        subject,
        param: pname(sp.name),
        message: `the signature has a parameter \`${sp.name}\` that the ${inp.hasTable ? 'table does not describe' : 'section has no table to describe'}`,
        slots: ['present'],
        need: 'all',
        target: p,
      });
    }
    add(p);
  }
  // Table-only rows, inserted after the row that precedes them in the table.
  rows.forEach((row, i) => {
    const n = rowName(row);
    if (sigNames.includes(n) || renamedFrom.has(n)) return;
    const p = fromSources(diags, file, subject, pname(n), undefined, row, inp.sigLine);
    if (inp.sig) {
      diags.add({
        ...SRC(file, row.line),
        code: 'PARAM_MISSING_IN_SIGNATURE',
        subject,
        param: pname(n),
        message: `the table describes a parameter \`${n}\` that the signature block does not have`,
        slots: ['present'],
        need: 'all',
        target: p,
      });
    }
    const prev = rowNames
      .slice(0, i)
      .reverse()
      .find((x) => out.some((o) => o.name === x || renamedFrom.get(x) === o.name));
    const prevName = prev === undefined ? undefined : (renamedFrom.get(prev) ?? prev);
    const at = prevName === undefined ? 0 : out.findIndex((o) => o.name === prevName) + 1;
    out.splice(at, 0, p);
  });

  // Order of the parameters both sources have.
  const shared = sigNames.filter((n) => rowNames.includes(n));
  const tableShared = rowNames.filter((n) => sigNames.includes(n));
  const result: MergeResult = { params: out };
  if (shared.join() !== tableShared.join()) result.orderMismatch = { sig: shared, table: tableShared };
  return result;
}

function fromSources(
  diags: Diagnostics,
  file: string,
  subject: string,
  param: string,
  sp: DParam | undefined,
  row: Row | undefined,
  sigLine: number,
): DraftParam {
  const line = row?.line ?? sigLine;
  const description = row?.cells.description?.md ?? '';
  const p: DraftParam = {
    name: sp?.name ?? row!.cells.name!.text.replace(/`/g, '').trim(),
    optional: false,
    present: true,
    description,
    line,
    open: new Set(),
  };
  const at = { file, line, subject, param };

  // Type: the signature's, checked against the table's Type cell and a callback's described form.
  const cellText = row?.cells.type?.text.replace(/`/g, '') ?? '';
  const tableType = cellText ? parseType(cellText) : undefined;
  const described = row ? functionInDescription(description) : undefined;
  if (cellText && !tableType) {
    diags.add({
      ...at,
      code: 'TYPE_UNPARSABLE',
      message: `the table's Type cell \`${cellText}\` is not a TypeScript type`,
      slots: ['type'],
      need: 'all',
      target: p,
    });
  }
  if (sp && !sp.type) {
    diags.add({
      ...at,
      line: sigLine,
      code: 'UNTYPED_PARAM',
      message: `the signature gives \`${sp.name}\` no type${tableType ? ` (the table says \`${cellText}\`)` : ''}`,
      slots: ['type'],
      need: 'all',
      target: p,
    });
  } else if (sp?.type && tableType && !compatible(sp.type, tableType)) {
    diags.add({
      ...at,
      code: 'PARAM_TYPE_MISMATCH',
      message: `the signature types it \`${typeToText(sp.type)}\` but the table says \`${cellText}\``,
      slots: ['type'],
      need: 'all',
      target: p,
    });
  }
  let type: DType | undefined = sp?.type ?? tableType;
  if (tableType?.kind === 'anyObject' && type?.kind === 'anyObject') type = tableType;
  if (described) {
    if (!type || type.kind === 'anyFunction') type = described;
    else if (type.kind === 'function' && typeToText(type) !== typeToText(described) && !p.open.has('type')) {
      diags.add({
        ...at,
        code: 'PARAM_TYPE_MISMATCH',
        message: `the type is \`${typeToText(type)}\` but the description says \`${typeToText(described)}\``,
        slots: ['type'],
        need: 'all',
        target: p,
      });
    }
  }
  if (type) p.type = type;
  p.mentioned = [sp?.type, tableType, described].filter((t): t is DType => !!t);
  if (!p.open.has('type')) {
    if (type?.kind === 'any') {
      diags.add({ ...at, code: 'ANY_TYPE', message: '`any` says nothing about what to pass; name the type', slots: ['type'], need: 'all', target: p });
    } else if (!type || type.kind === 'anyFunction' || type.kind === 'anyObject') {
      diags.add({
        ...at,
        code: 'TYPE_TOO_VAGUE',
        message: `the only type given is \`${type ? typeToText(type) : 'nothing'}\`: say what ${type?.kind === 'anyFunction' ? 'the function is called with' : 'it holds'}`,
        slots: ['type'],
        need: 'all',
        target: p,
      });
    } else if (type.kind === 'function' && /^on[A-Z]/.test(p.name) && !(type.returns.kind === 'primitive' && type.returns.name === 'void')) {
      diags.add({
        ...at,
        code: 'CALLBACK_RETURNS_VALUE',
        message: `the callback is described as \`${typeToText(type)}\`: a callback's return value is never read, so a result must be one of its parameters`,
        slots: ['type'],
        need: 'all',
        target: p,
      });
    }
  }

  // A string whose description lists its values ("`a`, `b` or `c`"): the values are the type.
  const listed = /`([^`]+)`(?:\s*[,，、]\s*`[^`]+`)*\s*,?\s*(?:or|或)\s*`([^`]+)`/.exec(description);
  if (listed && type?.kind === 'primitive' && type.name === 'string' && !p.open.has('type')) {
    const values = [...listed[0].matchAll(/`([^`]+)`/g)].map((m) => `'${m[1]}'`);
    diags.add({
      ...at,
      code: 'VALUES_AS_STRING',
      message: `it is typed \`string\` but its description lists its values (${values.join(', ')}): type it as their union (\`${values.join(' | ')}\`)`,
      slots: ['type'],
      need: 'all',
      target: p,
    });
  }

  // Required-ness: the table's 必填 / Required cell against the signature's `?`.
  const req = readRequired(row?.cells.required);
  if (req === true && sp?.optional) {
    diags.add({
      ...at,
      code: 'REQUIRED_MISMATCH',
      message: `the table marks it required but the signature marks it optional (\`${sp.name}?\`)`,
      slots: ['optional', 'default'],
      need: 'all',
      target: p,
    });
  } else if (req === false && sp && !sp.optional) {
    // The other direction. Callbacks are asked once per class (codegen/reconcile/classes.ts).
    if (CALLBACK.test(p.name) && !prefix(param)) p.sigRequired = true;
    else
      diags.add({
        ...at,
        code: 'REQUIRED_MISMATCH',
        message: `the table marks it optional but the signature declares it required (\`${sp.name}\`, no \`?\`)`,
        slots: ['optional', 'default'],
        need: 'all',
        target: p,
      });
  }
  p.optional = req !== undefined ? !req : !!sp?.optional;

  // Default: 无 / None say "none"; an empty cell on an optional parameter says nothing at all.
  const def = readDefault(row?.cells.default);
  if (def.kind === 'value') {
    p.default = def.text;
    if (!p.optional && !p.open.has('optional')) {
      diags.add({
        ...at,
        code: 'REQUIRED_WITH_DEFAULT',
        message: `it is marked required, yet the table gives it a default (\`${def.text}\`)`,
        slots: ['optional', 'default'],
        need: 'all',
        target: p,
      });
    }
  } else if (def.kind === 'missing' && p.optional && row && !p.open.has('optional')) {
    diags.add({
      ...at,
      code: 'MISSING_DEFAULT',
      message: `it is marked optional but its default cell is empty: say what happens when it is left out (write 无 / None when nothing is assumed)`,
      slots: ['optional', 'default'],
      need: 'any',
      target: p,
    });
  }
  return p;
}
