// Links in descriptions -> what they point at. Pages are known by doc id (front matter
// `doc_id`, or the overrides file's `pages` for pages that cannot carry one); an anchor names a
// method on a class page, an event (by its Value) on the events page, a code on the errors page.
import type { Link } from '../spec/types.js';

export interface LinkablePage {
  file: string;
  docId?: string;
  kind: 'class' | 'events' | 'errors' | 'other';
  /** The page's own name: class name, EVENTS, ERROR_CODES. */
  title: string;
  /** anchor -> name. */
  anchors: Map<string, string>;
}

export type LinkResult = { link: Link } | { link: Link; broken: string };

const LINK = /\[((?:[^\]`]|`[^`]*`)*)\]\(([^)\s]+)\)/g;

export function slug(s: string): string {
  return s
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s+/g, '-');
}

export function linksIn(md: string): { text: string; href: string }[] {
  const out: { text: string; href: string }[] = [];
  // Code spans are not links.
  const bare = md.replace(/`[^`\n]*`/g, (m) => (m.includes('](') ? ' '.repeat(m.length) : m));
  for (const m of bare.matchAll(LINK)) out.push({ text: m[1]!, href: m[2]! });
  return out;
}

/** Where the vendor's pages are published: a doc id we do not have is linked there (overrides.json `vendorDocsUrl`). */
let vendorDocsUrl: string | undefined;
export function setVendorDocsUrl(url: string | undefined): void {
  vendorDocsUrl = url;
}

export function resolveLink(text: string, href: string, from: LinkablePage, pages: LinkablePage[]): LinkResult {
  const link: Link = { text, href };
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return { link }; // https:, mailto: ...
  const m = /^([^#]*)(?:#(.*))?$/.exec(href)!;
  const pageRef = m[1]!;
  const anchor = m[2];
  // A page by doc id (the vendor's style, `78566#stream-added`) or by file name next to this one
  // (`events.md#stream_added`, which also works when the page is read on GitHub).
  const page = !pageRef
    ? from
    : /\.md$/i.test(pageRef)
      ? pages.find((p) => p.file.replace(/^.*\//, '') === pageRef.replace(/^\.\//, ''))
      : pages.find((p) => p.docId === pageRef);
  if (!page && /\.md$/i.test(pageRef)) return { link, broken: `the link [${text}](${href}) points at ${pageRef}, which is not a page in spec/docs` };
  if (!page) {
    // A vendor page we do not have (1111496: the limits): its published address, when configured.
    if (/^\d+$/.test(pageRef) && vendorDocsUrl) link.url = `${vendorDocsUrl}${pageRef}${anchor ? `#${anchor}` : ''}`;
    return { link };
  }
  const kindOf = { class: 'method', events: 'event', errors: 'error', other: 'page' } as const;
  if (!anchor) {
    link.target = page.kind === 'errors' ? { kind: 'error', name: page.title } : { kind: 'page', name: page.title };
    return { link };
  }
  const name = page.anchors.get(anchor.toLowerCase());
  if (name === undefined || page.kind === 'other') {
    return { link, broken: `the link [${text}](${href}) points at \`#${anchor}\`, which is not an anchor of ${page.file}` };
  }
  link.target = { kind: kindOf[page.kind], name };
  return { link };
}
