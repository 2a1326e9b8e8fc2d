// Nothing a page says is lost: every paragraph, list item and table cell of the pages (vendor page
// and our own) is enumerated here, independently of the parser (remark's own tree), and each is
// shown to land in the generated code: prose in its JSDoc, names as declarations, defaults as
// @defaultValue, and what the codegen decided otherwise through a resolved diagnostic on that line.
import type { Root, RootContent, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { emit } from '../../codegen/emit/index.js';
import type { Spec } from '../../codegen/spec/types.js';
import { buildWith, pageOverrides, pageSources } from './helpers.js';

// Built and emitted once, when the file is collected (the emitter takes seconds under load).
const built = buildWith(pageSources(), pageOverrides());
const spec = built.spec as Spec;
const generated = [...emit(spec).values()].join('\n');

/** The generated text as a reader of the JSDoc sees it, with all whitespace removed. */
const haystack = generated
  .replace(/\{@link [^}|]*\|\s*([^}]*)\}/g, '$1')
  .replace(/\{@link ([^}|]*)\}/g, '$1')
  .replace(/\*\\\//g, '*/')
  .replace(/^\s*\*( |$)/gm, '')
  .replace(/\\/g, '')
  .replace(/[`\s]/g, '');
const squash = (s: string) => s.replace(/[`\s]/g, '');

/** The corrections the overrides made, applied to the page text before comparing. */
function corrected(file: string, text: string): string {
  let t = text;
  for (const o of pageOverrides().overrides) {
    const fix = o.fix as { find?: string; replace?: string; text?: string };
    if (o.code === 'ERRATUM') t = t.split(fix.find!).join(fix.replace!);
    if (o.code === 'UNKNOWN_IDENTIFIER' && spec.diagnostics.some((d) => d.file === file && d.param === o.param)) {
      t = t
        .split(`[${String(o.param)}](`)
        .join(`[${fix.text}](`)
        .split(`\`${String(o.param)}\``)
        .join(`\`${fix.text}\``);
    }
  }
  return t;
}

interface Item {
  line: number;
  kind: 'prose' | 'name' | 'default' | 'returns' | 'type' | 'required' | 'value' | 'code' | 'label';
  text: string;
}

const COLUMNS: [Item['kind'] | 'skip', RegExp][] = [
  ['name', /^(参数名|参数|名称|name|parameter|event)$/i],
  ['type', /^(类型|type)$/i],
  ['prose', /^(说明|描述|description)$/i],
  ['required', /^(必填|required)$/i],
  ['default', /^(默认值|default)$/i],
  ['returns', /^(返回|returns?)$/i],
  ['value', /^(value|code)$/i],
  ['prose', /^(category)$/i],
  ['skip', /^(origin)$/i],
];

/** Every paragraph, list item, code block and table cell of a page, with its line. */
function items(md: string): Item[] {
  const out: Item[] = [];
  const body = md.replace(/^---\n[\s\S]*?\n---\n/, (fm) => fm.replace(/[^\n]/g, ''));
  const tree = unified().use(remarkParse).use(remarkGfm).parse(body) as Root;
  const walk = (nodes: RootContent[]) => {
    for (const n of nodes) {
      const line = n.position?.start.line ?? 0;
      if (n.type === 'paragraph') {
        // A paragraph may hold labels (**注意**, **SubOptions 配置**) and a "类型: X" line among its lines.
        const src = body.slice(n.position!.start.offset, n.position!.end.offset).split('\n');
        let prose: string[] = [];
        const flush = (at: number) => {
          const text = toString(unified().use(remarkParse).use(remarkGfm).parse(prose.join('\n')), { includeHtml: false });
          if (prose.length) out.push({ line: at, kind: 'prose', text });
          prose = [];
        };
        src.forEach((l, i) => {
          const label = /^\s*\*\*([^*]+)\*\*\s*[:：]?\s*$/.exec(l);
          if (label) {
            flush(line + i);
            out.push({ line: line + i, kind: 'label', text: label[1]! });
          } else if (/^\s*(类型|type)\s*[:：]/i.test(l)) {
            flush(line + i);
            out.push({ line: line + i, kind: 'returns', text: l });
          } else prose.push(l);
        });
        flush(line);
      } else if (n.type === 'list') for (const li of n.children) walk(li.children);
      else if (n.type === 'code') out.push({ line, kind: 'code', text: n.value });
      else if (n.type === 'table') {
        const t = n as Table;
        const heads = t.children[0]!.children.map((c) => COLUMNS.find(([, re]) => re.test(toString(c).trim()))?.[0] ?? 'skip');
        for (const row of t.children.slice(1)) {
          row.children.forEach((cell, i) => {
            const kind = heads[i];
            // HTML (<br>, <li>) separates what it lists: keep the separation for the sentence split.
            const text = cell.children.map((c) => (c.type === 'html' ? '\n' : toString(c))).join('');
            if (kind && kind !== 'skip') out.push({ line: row.position!.start.line, kind, text: kind === 'prose' ? text : text.replace(/\s+/g, ' ').trim() });
          });
        }
      }
    }
  };
  walk(tree.children);
  return out;
}

/** Where the item is not found in the generated code; undefined when it is. */
function missing(file: string, item: Item): string | undefined {
  const decided = spec.diagnostics.some((d) => d.file === file && d.line === item.line);
  const t = item.kind === 'prose' ? item.text.trim() : item.text.replace(/\s+/g, ' ').trim();
  if (!t) return undefined;
  switch (item.kind) {
    case 'prose': {
      // Sentence by sentence: the emitter may put text between them (links, notes of ours).
      const parts = t
        .split(/(?<=[。！？；.!?;])\s*|\n/)
        .map(squash)
        .filter((p) => p.length > 1);
      const lost = parts.filter((p) => !haystack.includes(p));
      return lost.length ? `prose not in any JSDoc: ${lost.join(' / ')}` : undefined;
    }
    case 'code': {
      // A signature block becomes the declaration; any other snippet is quoted in the JSDoc.
      const sig = /^\s*(\w+)\s*\(/.exec(t)?.[1];
      // (A generic declaration counts: `once<E extends EventName>(`.)
      if (sig && new RegExp(`\\b${sig}(<[^>(]*>)?\\(`).test(generated)) return undefined;
      if (/^\s*\(/.test(t)) {
        // An arrow-form block (setBusinessId's): its parameters are the declaration's.
        const names = [...t.matchAll(/(\w+)\s*:/g)].map((m) => m[1]!);
        const lost = names.filter((n) => !generated.includes(`${n}:`));
        return lost.length ? `parameters of the arrow signature declared nowhere: ${lost.join(', ')}` : undefined;
      }
      const lines = t.split('\n').map(squash).filter(Boolean);
      const lost = lines.filter((l) => !haystack.includes(l));
      return lost.length ? `code not quoted: ${lost.join(' / ')}` : undefined;
    }
    case 'name':
    case 'value': {
      const name = t.replace(/^\[|\]$/g, '');
      return generated.includes(name) ? undefined : `\`${name}\` is declared nowhere`;
    }
    case 'label': {
      // "XXX 配置" names a type (or an option parameter); the others (注意, Parameters) are structure.
      const type = /^`?([^`]+?)`?\s*(配置|configuration)$/i.exec(t)?.[1];
      return type === undefined || new RegExp(`\\b${type}\\b`).test(generated) ? undefined : `the type ${type} is declared nowhere`;
    }
    case 'default': {
      if (/^(无|none|-|—|见下方表格|see the table below)$/i.test(t)) return undefined;
      if (decided || generated.includes(`@defaultValue \`${t}\``)) return undefined;
      // An object default ({screen: false}) speaks for its fields: each value is theirs.
      const fields = [...t.matchAll(/(\w+)\s*:\s*([^,}]+)/g)];
      if (fields.length && fields.every((m) => generated.includes(`@defaultValue \`${m[2]!.trim()}\``))) return undefined;
      return `default \`${t}\` is neither a @defaultValue nor answered by an override`;
    }
    case 'returns':
    case 'type':
    case 'required':
      // Read into the declarations' types and `?`; a disagreement is a diagnostic on this line.
      return undefined;
  }
}

describe.each(pageSources().map((s) => [s.file, s.text] as const))('%s', (file, text) => {
  const list = items(corrected(file, text));

  it('has paragraphs and table cells to check', () => {
    expect(list.filter((i) => i.kind === 'prose').length).toBeGreaterThan(5);
    expect(list.filter((i) => i.kind === 'name').length).toBeGreaterThan(3);
  });

  it('every paragraph, list item and table cell lands in the generated code', () => {
    const lost = list.flatMap((i) => {
      const why = missing(file, i);
      return why ? [`${file}:${i.line}: ${why}`] : [];
    });
    expect(lost).toEqual([]);
  });
});

describe('the check itself', () => {
  it('notices a sentence the emitter would drop', () => {
    expect(missing('spec/docs/client.md', { line: 1, kind: 'prose', text: '这句话没有出现在任何地方。' })).toMatch(/prose not in any JSDoc/);
    expect(missing('spec/docs/client.md', { line: 1, kind: 'default', text: '42' })).toMatch(/neither a @defaultValue/);
  });
});
