// A GFM table -> rows keyed by canonical column names, whatever the page's language.
import type { Table as MdTable, TableCell } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { slice } from './markdown.js';

export type Column = 'name' | 'type' | 'description' | 'required' | 'default' | 'returns' | 'value' | 'origin' | 'code' | 'category';

const HEADERS: [Column, RegExp][] = [
  ['name', /^(参数名|参数|名称|字段|属性|name|parameter|param|field|property|event)$/i],
  ['type', /^(类型|type)$/i],
  ['description', /^(说明|描述|description|meaning|notes?)$/i],
  ['required', /^(必填|必选|是否必填|required|mandatory)$/i],
  ['default', /^(默认值|默认|default|default value)$/i],
  ['returns', /^(返回|返回值|返回类型|returns?|return type)$/i],
  ['value', /^(值|取值|value)$/i],
  ['origin', /^(来源|origin)$/i],
  ['code', /^(错误码|code)$/i],
  ['category', /^(类别|分类|category)$/i],
];

export interface Cell {
  /** Plain text: code spans unwrapped, inline HTML dropped, whitespace collapsed. */
  text: string;
  /** The cell's Markdown source, trimmed (for descriptions: links and code spans intact). */
  md: string;
}

export interface Row {
  line: number;
  cells: Partial<Record<Column, Cell>>;
  /** How many cells the row really had (short rows are legal GFM). */
  width: number;
}

export interface Table {
  line: number;
  columns: (Column | null)[];
  /** Header texts that are not a known column, for the diagnostic. */
  unknownHeaders: string[];
  rows: Row[];
}

export function plain(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function cellOf(text: string, cell: TableCell): Cell {
  const first = cell.children[0];
  const last = cell.children[cell.children.length - 1];
  const md = first && last ? slice(text, first.position?.start.offset, last.position?.end.offset).trim() : '';
  return { text: plain(toString(cell, { includeHtml: false })), md };
}

export function readTable(text: string, node: MdTable): Table {
  const [head, ...body] = node.children;
  const unknownHeaders: string[] = [];
  const columns = (head?.children ?? []).map((c) => {
    const h = plain(toString(c));
    const hit = HEADERS.find(([, re]) => re.test(h));
    if (!hit && h) unknownHeaders.push(h);
    return hit ? hit[0] : null;
  });
  const rows = body.map((r) => {
    const cells: Partial<Record<Column, Cell>> = {};
    r.children.forEach((c, i) => {
      const col = columns[i];
      if (col) cells[col] = cellOf(text, c);
    });
    return { line: r.position?.start.line ?? 0, cells, width: r.children.length };
  });
  return { line: node.position?.start.line ?? 0, columns, unknownHeaders, rows };
}

export function hasColumns(t: Table, ...cols: Column[]): boolean {
  return cols.every((c) => t.columns.includes(c));
}

/** 是 / Yes -> true, 否 / No -> false, anything else (empty, missing) -> undefined. */
export function readRequired(cell: Cell | undefined): boolean | undefined {
  const t = cell?.text.toLowerCase() ?? '';
  if (/^(是|必填|yes|y|true|required|✓|✔)$/.test(t)) return true;
  if (/^(否|选填|no|n|false|optional|✗|✘)$/.test(t)) return false;
  return undefined;
}

export type DefaultCell = { kind: 'missing' } | { kind: 'none' } | { kind: 'seeTable' } | { kind: 'value'; text: string };

/** 无 / None / - say "no default"; an empty or absent cell says nothing at all. */
export function readDefault(cell: Cell | undefined): DefaultCell {
  const t = cell?.text ?? '';
  if (!t) return { kind: 'missing' };
  if (/^(无|none|-|—|–|n\/a|null)$/i.test(t)) return { kind: 'none' };
  if (/^(见下方?表格?|见下文|见下表|see (the )?(table )?below\.?|see below\.?)$/i.test(t)) return { kind: 'seeTable' };
  return { kind: 'value', text: t };
}
