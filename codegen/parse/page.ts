// One page -> its structure: title, intro, the member table, and one Section per `###` heading
// with its signature blocks, labelled tables, description, notes and returns text. No meaning
// is assigned here beyond "which label was this under"; codegen/reconcile decides the rest.
import type { Code, List, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { parseMarkdown, slice } from './markdown.js';
import { readTable, type Table } from './table.js';

export type Label = { kind: 'params' } | { kind: 'notes' } | { kind: 'returns' } | { kind: 'type'; name: string } | { kind: 'other'; text: string };

export interface Block {
  md: string;
  line: number;
}

export interface LabelledTable {
  label: Label | null;
  /** Line of the label, or of the table when there is none. */
  labelLine: number;
  table: Table;
}

export interface Section {
  name: string;
  line: number;
  signatures: { text: string; line: number; lang: string }[];
  tables: LabelledTable[];
  description: Block[];
  remarks: Block[];
  returns: Block[];
  /** Lines that look like a table but are not one (a truncated or broken table). */
  brokenTables: number[];
}

/** A problem with the page itself, found before any meaning is read. */
export interface PageIssue {
  code: string;
  line: number;
  message: string;
  /** For TEXT_DROPPED: the start of the text, which names it in an override. */
  text?: string;
}

export interface Page {
  file: string;
  sha256: string;
  frontMatter: Record<string, string>;
  title: string | null;
  titleLine: number;
  intro: Block[];
  /** Tables before the first `###`: the member table lives here. */
  tables: Table[];
  sections: Section[];
  issues: PageIssue[];
}

export function classifyLabel(raw: string): Label {
  const t = raw.replace(/[:：]\s*$/, '').trim();
  if (/^(参数|参数说明|参数列表|parameters?|params?|arguments?)$/i.test(t)) return { kind: 'params' };
  if (/^(注意|注意事项|说明|提示|notes?|remarks?|caution|important)$/i.test(t)) return { kind: 'notes' };
  if (/^(返回值|返回|returns?|return values?)$/i.test(t)) return { kind: 'returns' };
  const m = /^`?([^`]+?)`?\s*(配置|configuration|结构|定义|type)$/i.exec(t);
  if (m) return { kind: 'type', name: m[1]!.trim() };
  return { kind: 'other', text: t };
}

const LABEL_LINE = /^\s*\*\*([^*]+)\*\*\s*[:：]?\s*$/;

function isSignatureLang(lang: string | null | undefined): boolean {
  return !!lang && /^(ts|typescript|tsx)$/i.test(lang.trim());
}

function looksBinary(raw: string): boolean {
  if (raw.includes('\u0000')) return true;
  // Control characters are what binary or mangled bytes look like in a text page.
  // eslint-disable-next-line no-control-regex
  const bad = (raw.match(/[\uFFFD\u0001-\u0008\u000E-\u001F]/g) ?? []).length;
  return bad > 0 && bad / Math.max(raw.length, 1) > 0.01;
}

export function readPage(file: string, raw: string): Page {
  const issues: PageIssue[] = [];
  const page: Page = { file, sha256: '', frontMatter: {}, title: null, titleLine: 1, intro: [], tables: [], sections: [], issues };
  if (looksBinary(raw)) {
    const md = parseMarkdown('');
    page.sha256 = md.sha256;
    issues.push({ code: 'PAGE_NOT_TEXT', line: 1, message: 'the file is not UTF-8 Markdown text (binary or corrupted bytes); nothing was read from it' });
    return page;
  }
  const { text, tree, frontMatter, sha256 } = parseMarkdown(raw);
  page.sha256 = sha256;
  page.frontMatter = frontMatter;

  let section: Section | null = null;
  let label: Label | null = null;
  let labelLine = 0;
  let chapterSeen = false;

  // Text the structure gives no place: listed, never lost silently (an override may accept the drop).
  const dropped = (line: number, why: string, md: string) =>
    issues.push({ code: 'TEXT_DROPPED', line, message: `${why}: it is not in the generated docs`, text: md.replace(/\s+/g, ' ').trim().slice(0, 40) });
  const setLabel = (l: Label, line: number) => {
    label = l;
    labelLine = line;
  };
  const addText = (md: string, line: number) => {
    const block = { md: md.trim(), line };
    if (!block.md) return;
    if (!section) {
      if (!chapterSeen) page.intro.push(block);
      else dropped(line, 'text under a `##` heading before its first `###` section belongs to no method, event or code', block.md);
      return;
    }
    const l = label as Label | null;
    if (l?.kind === 'returns') section.returns.push(block);
    else if (l?.kind === 'notes' || (l && section.tables.length)) section.remarks.push(block);
    else section.description.push(block);
  };

  const visitParagraph = (node: RootContent) => {
    const start = node.position?.start;
    const src = slice(text, start?.offset, node.position?.end.offset);
    let buf: string[] = [];
    let bufLine = start?.line ?? 0;
    const flush = () => {
      if (buf.length) addText(buf.join('\n'), bufLine);
      buf = [];
    };
    src.split('\n').forEach((lineText, i) => {
      const line = (start?.line ?? 0) + i;
      const m = LABEL_LINE.exec(lineText);
      if (m) {
        flush();
        setLabel(classifyLabel(m[1]!), line);
      } else if (/^\s*\|.*\|\s*$/.test(lineText) && section) {
        section.brokenTables.push(line);
      } else {
        if (!buf.length) bufLine = line;
        buf.push(lineText);
      }
    });
    flush();
  };

  const visitList = (node: List) => {
    for (const item of node.children) {
      const md = slice(text, item.children[0]?.position?.start.offset, item.children[item.children.length - 1]?.position?.end.offset);
      if (section && (label as Label | null)) addText(md, item.position?.start.line ?? 0);
      else addText(slice(text, item.position?.start.offset, item.position?.end.offset), item.position?.start.line ?? 0);
    }
  };

  for (const node of tree.children) {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case 'heading': {
        const h = toString(node).trim();
        if (node.depth === 1) {
          if (page.title === null) {
            page.title = h;
            page.titleLine = line;
          }
        } else if (node.depth === 2) {
          chapterSeen = true;
          section = null;
          label = null;
        } else if (node.depth === 3) {
          section = { name: h, line, signatures: [], tables: [], description: [], remarks: [], returns: [], brokenTables: [] };
          page.sections.push(section);
          label = null;
        } else if (section) {
          setLabel(classifyLabel(h), line);
        }
        break;
      }
      case 'paragraph':
        visitParagraph(node);
        break;
      case 'list':
        visitList(node);
        break;
      case 'code': {
        let c = node as Code;
        // A fence indented four spaces is an indented code block holding the fence: unwrap it.
        const inner = !c.lang ? /^(`{3,}|~{3,})\s*([\w-]*)[^\n]*\n([\s\S]*?)\n?\1\s*$/.exec(c.value) : null;
        if (inner) c = { ...c, lang: inner[2] || null, value: inner[3]! };
        const src = slice(text, node.position?.start.offset, node.position?.end.offset);
        if (section && !section.signatures.length && (isSignatureLang(c.lang) || !c.lang)) {
          section.signatures.push({ text: c.value, line, lang: c.lang ?? '' });
        } else if (section && isSignatureLang(c.lang)) {
          // A second signature block: an overload or an example. Only the first is read as the signature.
          section.signatures.push({ text: c.value, line, lang: c.lang ?? '' });
          addText(src, line);
        } else if (section) addText(src, line);
        else if (!chapterSeen) page.intro.push({ md: src, line });
        else dropped(line, 'a code block under a `##` heading before its first `###` section', src);
        break;
      }
      case 'table': {
        const t = readTable(text, node);
        if (!section) page.tables.push(t);
        else {
          const l = label as Label | null;
          section.tables.push({ label: l, labelLine: l ? labelLine : t.line, table: t });
          // A table consumes a type label; a params label stays for notes written after it.
          if (l?.kind === 'type') label = { kind: 'other', text: '' };
        }
        break;
      }
      case 'blockquote':
      case 'html': {
        // Prose in a quote or raw HTML is kept as Markdown where text is.
        const src = slice(text, node.position?.start.offset, node.position?.end.offset);
        if (node.type === 'html' && /^<!--[\s\S]*-->$/.test(src.trim())) break; // a comment is for the page's editors
        addText(src, line);
        break;
      }
      case 'thematicBreak':
      case 'definition':
        break;
      default:
        dropped(line, `a ${node.type} block is not understood`, slice(text, node.position?.start.offset, node.position?.end.offset));
        break;
    }
  }
  if (page.title === null) {
    issues.push({
      code: raw.trim() ? 'PAGE_UNRECOGNIZED' : 'PAGE_EMPTY',
      line: 1,
      message: raw.trim() ? 'the page has no `#` title, so it is not read as an API page' : 'the page is empty',
    });
  }
  return page;
}
