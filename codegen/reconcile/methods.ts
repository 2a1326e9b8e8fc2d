// One `### method` section -> a DraftMethod: the member-table row, the signature block and the
// parameter table merged, with every disagreement between them recorded as a diagnostic.
import type { Section, LabelledTable } from '../parse/page.js';
import { hasColumns } from '../parse/table.js';
import { parseSignature, parseType, typeToText, type DSignature, type DType } from '../parse/typeexpr.js';
import { mergeParams } from './fields.js';
import { Diagnostics, type DraftMethod, type DraftParam } from './model.js';

export interface MemberRow {
  name: string;
  returns: string;
  line: number;
}

export interface MethodInput {
  file: string;
  className: string;
  section: Section;
  member: MemberRow | undefined;
  origin?: DraftMethod['origin'];
  /** A signature an override supplies for a section whose own block is missing or broken. */
  signatureOverride?: string;
}

const VOID: DType = { kind: 'primitive', name: 'void' };
const isVoid = (t: DType | undefined) => !t || (t.kind === 'primitive' && t.name === 'void');
export const TYPE_NAME = /^[A-Z][A-Za-z0-9_]*$/;

export function isParamTable(t: LabelledTable): boolean {
  return (t.label === null || t.label.kind === 'params') && hasColumns(t.table, 'name', 'type');
}

function joinBlocks(blocks: { md: string }[]): string {
  return blocks.map((b) => b.md).join('\n\n');
}

export function mergeMethod(diags: Diagnostics, inp: MethodInput): DraftMethod {
  const { file, section } = inp;
  const subject = `${inp.className}.${section.name}`;
  const m: DraftMethod = {
    section: section.name,
    name: section.name,
    origin: inp.origin ?? 'vendor',
    description: joinBlocks(section.description),
    params: [],
    remarks: section.remarks.map((b) => b.md),
    remarkLines: section.remarks.map((b) => b.line),
    file,
    line: section.line,
    open: new Set(),
  };
  const at = { file, subject };

  for (const line of section.brokenTables.filter((l, i, a) => a[i - 1] !== l - 1)) {
    diags.add({
      ...at,
      line,
      code: 'TABLE_MALFORMED',
      message: 'these lines look like a table but are not one (a missing header separator or a truncated table): nothing in them was read',
      slots: [],
      need: 'all',
    });
  }

  // The signature block.
  let sig: DSignature | null = null;
  let sigLine = section.line;
  const block = section.signatures[0];
  if (!block) {
    diags.add({
      ...at,
      line: section.line,
      code: 'SIGNATURE_MISSING',
      message: 'the section has no ```typescript signature block',
      slots: ['signature'],
      need: 'all',
      target: m,
    });
  } else {
    sigLine = block.line;
    const parsed = parseSignature(block.text);
    if ('error' in parsed) {
      diags.add({
        ...at,
        line: block.line,
        code: 'SIGNATURE_UNPARSABLE',
        message: `the signature block cannot be read: ${parsed.error}`,
        slots: ['signature'],
        need: 'all',
        target: m,
      });
    } else sig = parsed;
  }
  if (inp.signatureOverride !== undefined) {
    const parsed = parseSignature(inp.signatureOverride);
    if (!('error' in parsed)) sig = parsed;
  }
  const dup = sig?.params.map((p) => p.name).find((n, i, a) => a.indexOf(n) !== i);
  if (dup) {
    diags.add({
      ...at,
      line: sigLine,
      code: 'SIGNATURE_UNPARSABLE',
      message: `the signature names the parameter \`${dup}\` twice`,
      slots: ['signature'],
      need: 'all',
      target: m,
    });
    sig = null;
  }
  if (sig?.name && sig.name !== section.name) {
    diags.add({
      ...at,
      line: sigLine,
      code: 'SIGNATURE_NAME_MISMATCH',
      message: `the signature block names \`${sig.name}\`, not \`${section.name}\``,
      slots: ['name'],
      need: 'all',
      target: m,
    });
  }

  // The parameter table and the option tables.
  const paramTables = section.tables.filter(isParamTable);
  const table = paramTables[0];
  for (const extra of paramTables.slice(1)) {
    diags.add({
      ...at,
      line: extra.table.line,
      code: 'TABLE_UNATTACHED',
      message: 'a second parameter table without a "XXX 配置" / "XXX configuration" label: it is not read',
      slots: [],
      need: 'all',
    });
  }
  const merged = mergeParams(diags, {
    file,
    subject,
    prefix: '',
    sig: sig ? sig.params : null,
    sigLine,
    rows: table?.table.rows ?? [],
    tableLine: table?.table.line ?? section.line,
    hasTable: !!table,
  });
  m.params = merged.params;
  if (merged.orderMismatch) {
    diags.add({
      ...at,
      line: table?.table.line ?? sigLine,
      code: 'PARAM_ORDER_MISMATCH',
      message: `the signature orders the parameters ${merged.orderMismatch.sig.join(', ')} but the table ${merged.orderMismatch.table.join(', ')}`,
      slots: ['order'],
      need: 'all',
      target: m,
    });
  }

  // Tables that are neither the parameter table nor a "XXX 配置" type table are not read: say so.
  for (const t of section.tables) {
    if (isParamTable(t) || t.label?.kind === 'type') continue;
    const why = t.table.unknownHeaders.length ? `its header (${t.table.unknownHeaders.join(' | ')}) is not understood` : 'it has no Name and Type columns';
    diags.add({ ...at, line: t.table.line, code: 'TABLE_UNATTACHED', message: `a table here is not read: ${why}`, slots: [], need: 'all' });
  }

  // Option objects: inline signature literals and "XXX 配置" tables that describe them.
  const typeTables = section.tables.filter((t) => t.label?.kind === 'type');
  for (const p of m.params) attachObject(diags, file, subject, p, typeTables, sigLine);

  checkReturns(diags, inp, m, sig, sigLine);
  return m;
}

function attachObject(diags: Diagnostics, file: string, subject: string, p: DraftParam, typeTables: LabelledTable[], sigLine: number): void {
  const labelled = typeTables.find((t) => t.label?.kind === 'type' && t.label.name === p.name);
  const isInline = p.type?.kind === 'object' || (p.type?.kind === 'anyObject' && !!labelled);
  if (!isInline) return;
  const literal = p.type?.kind === 'object' ? p.type.fields : null;
  const fields = mergeParams(diags, {
    file,
    subject,
    prefix: `${p.name}.`,
    sig: literal,
    sigLine,
    rows: labelled?.table.rows ?? [],
    tableLine: labelled?.table.line ?? sigLine,
    hasTable: !!labelled,
  });
  // The literal's fields have no table to describe them: the signature is their only source.
  p.type = { kind: 'object', fields: [] };
  p.fields = fields.params;
  p.typeOrigin = labelled ? 'table' : 'signature';
  p.typeLine = labelled?.labelLine ?? p.line;
  diags.add({
    file,
    line: labelled?.labelLine ?? p.line,
    subject,
    param: p.name,
    code: 'UNNAMED_TYPE',
    message: labelled
      ? `the fields of \`${p.name}\` are described under "${p.name} 配置", which is not a type name: name the type`
      : `\`${p.name}\` is an inline object type with no name and no table describing its fields: name the type`,
    slots: ['typeName'],
    need: 'all',
    target: p,
  });
  // A default written as an object literal ("{screen: false}") speaks for the fields it names.
  if (p.default && /^\{.*\}$/.test(p.default.trim())) {
    for (const m of p.default.matchAll(/([A-Za-z_$][\w$]*)\s*:\s*([^,}]+)/g)) {
      const f = fields.params.find((x) => x.name === m[1]);
      const value = m[2]!.trim();
      if (!f) continue;
      if (!f.optional && !f.open.has('optional')) {
        diags.add({
          file,
          line: p.line,
          subject,
          param: `${p.name}.${f.name}`,
          code: 'REQUIRED_MISMATCH',
          message: `the default \`${p.default}\` of \`${p.name}\` implies \`${f.name}\` may be left out (default ${value}), but the signature declares it required`,
          slots: ['optional', 'default'],
          need: 'all',
          target: f,
        });
      } else if (f.default !== undefined && f.default !== value && !f.open.has('default')) {
        diags.add({
          file,
          line: p.line,
          subject,
          param: `${p.name}.${f.name}`,
          code: 'DEFAULT_MISMATCH',
          message: `the default \`${p.default}\` of \`${p.name}\` says ${value}, the field's row says ${f.default}`,
          slots: ['default'],
          need: 'all',
          target: f,
        });
      }
    }
  }
}

/** What the member table, the signature, onSuccess and a "Returns" section each say the call gives. */
function checkReturns(diags: Diagnostics, inp: MethodInput, m: DraftMethod, sig: DSignature | null, sigLine: number): void {
  const { file, member, section } = inp;
  const subject = `${inp.className}.${section.name}`;
  const onSuccess = m.params.find((p) => p.name === 'onSuccess');
  const isAsync = m.params.some((p) => p.name === 'onSuccess' || p.name === 'onFailure');
  const evidence: string[] = [];
  let disagree = false;
  const memberType = member ? parseType(member.returns) : undefined;
  if (member && !memberType) {
    diags.add({
      file,
      line: member.line,
      subject,
      code: 'RETURN_TYPE_UNPARSABLE',
      message: `the member table's return cell \`${member.returns}\` is not a TypeScript type`,
      slots: ['returns'],
      need: 'all',
      target: m,
    });
    return;
  }
  const returnsBlock = section.returns.map(
    (b) => /^(?:类型|type)\s*[:：]\s*(.+)$/i.exec(b.md.replace(/`/g, '').trim())?.[1] ?? b.md.replace(/`/g, '').trim(),
  )[0];
  const sectionType = returnsBlock !== undefined ? parseType(returnsBlock) : undefined;
  const line = member?.line ?? sigLine;

  if (isAsync) {
    const success = onSuccess?.type?.kind === 'function' ? onSuccess.type.params : [];
    const resolved = success[0]?.type ?? VOID;
    m.returns = resolved;
    evidence.push(`onSuccess passes ${success.length ? `\`${typeToText(resolved)}\`` : 'nothing'}`);
    const claims: DType[] = [resolved];
    if (memberType) {
      evidence.push(`the member table says \`${typeToText(memberType)}\``);
      if (memberType.kind !== 'promise') disagree = true; // it takes callbacks, so it is asynchronous
      claims.push(memberType.kind === 'promise' ? memberType.of : memberType);
    }
    if (sig?.returns?.kind === 'promise') {
      // The callback form returns the same Promise: consistent when it is what onSuccess passes.
      m.sigReturnsPromise = true;
      evidence.push(`the signature returns \`${typeToText(sig.returns)}\``);
      claims.push(sig.returns.of);
    } else if (sig?.returns && !isVoid(sig.returns)) {
      // Callback-style signatures return void (or the Promise) and hand the result to onSuccess.
      evidence.push(`the signature returns \`${typeToText(sig.returns)}\` where a callback-style signature returns void or the Promise`);
      disagree = true;
      claims.push(sig.returns);
    }
    if (sectionType) {
      evidence.push(`the Returns section says \`${typeToText(sectionType)}\``);
      claims.push(sectionType.kind === 'promise' ? sectionType.of : sectionType);
    }
    if (new Set(claims.map(typeToText)).size > 1) disagree = true;
    if (disagree) {
      diags.add({
        file,
        line,
        subject,
        code: 'RETURN_TYPE_MISMATCH',
        message: `it takes onSuccess/onFailure, so its Promise form resolves with what onSuccess passes, but the sources disagree: ${evidence.join('; ')}`,
        slots: ['returns'],
        need: 'all',
        target: m,
      });
    }
    return;
  }
  const claims: DType[] = [];
  if (memberType) {
    evidence.push(`the member table says \`${typeToText(memberType)}\``);
    claims.push(memberType);
  }
  if (sectionType) {
    evidence.push(`the Returns section says \`${typeToText(sectionType)}\``);
    claims.push(sectionType);
  }
  if (sig && !sig.returns) {
    m.returns = memberType;
    diags.add({
      file,
      line: sigLine,
      subject,
      code: 'MISSING_RETURN_TYPE',
      message: `the signature block has no return type${evidence.length ? ` (${evidence.join('; ')})` : ''}`,
      slots: ['returns'],
      need: 'all',
      target: m,
    });
    return;
  }
  if (sig?.returns) {
    evidence.push(`the signature returns \`${typeToText(sig.returns)}\``);
    claims.unshift(sig.returns);
  }
  m.returns = claims[0];
  if (new Set(claims.map(typeToText)).size > 1) {
    diags.add({
      file,
      line,
      subject,
      code: 'RETURN_TYPE_MISMATCH',
      message: `the sources disagree on what it returns: ${evidence.join('; ')}`,
      slots: ['returns'],
      need: 'all',
      target: m,
    });
  } else if (!claims.length) {
    diags.add({
      file,
      line: sigLine,
      subject,
      code: 'MISSING_RETURN_TYPE',
      message: 'nothing says what it returns',
      slots: ['returns'],
      need: 'all',
      target: m,
    });
  }
}
