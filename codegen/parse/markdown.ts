// Markdown -> mdast with positions. Front matter is blanked out (not removed) so that every
// line number we report is the line a doc writer sees in their editor.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { kept } from '../kept.js';

const PARSER = fileURLToPath(import.meta.url);
const isRoot = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as Root).type === 'root' && Array.isArray((v as Root).children);

export interface ParsedMarkdown {
  text: string;
  tree: Root;
  frontMatter: Record<string, string>;
  sha256: string;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function splitFrontMatter(text: string): { body: string; frontMatter: Record<string, string> } {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '---') return { body: text, frontMatter: {} };
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) return { body: text, frontMatter: {} };
  const frontMatter: Record<string, string> = {};
  for (const l of lines.slice(1, end)) {
    const m = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*(#.*)?$/.exec(l);
    if (m) frontMatter[m[1]!] = m[2]!;
  }
  const blanked = lines.map((l, i) => (i <= end ? '' : l));
  return { body: blanked.join('\n'), frontMatter };
}

export function parseMarkdown(raw: string): ParsedMarkdown {
  const text = raw.replace(/\r\n?/g, '\n');
  const { body, frontMatter } = splitFrontMatter(text);
  // Kept between CLI runs (codegen/kept.ts), named by the text, this module's source and the packages.
  const tree = kept('tree', PARSER, body, () => unified().use(remarkParse).use(remarkGfm).parse(body), isRoot);
  return { text: body, tree, frontMatter, sha256: sha256(raw) };
}

/** The source text of a node range, by offsets. */
export function slice(text: string, start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined) return '';
  return text.slice(start, end);
}
