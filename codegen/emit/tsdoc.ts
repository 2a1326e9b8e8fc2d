// Markdown from the docs -> TSDoc that api-extractor accepts: links become {@link}, HTML is
// flattened, and TSDoc's special characters are escaped outside code spans.
import type { Link, Spec } from '../spec/types.js';

function escapeProse(s: string): string {
  return s.replace(/[{}@<>]/g, (c) => `\\${c}`);
}

/** Escapes everything but fenced code blocks and `code spans`. */
function escapeOutsideCode(s: string): string {
  return s
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeProse(part)))
    .join('');
}

function flattenHtml(s: string): string {
  return s
    .replace(/<\/?br\s*\/?>/gi, '\n')
    .replace(/<li>\s*/gi, '\n- ')
    .replace(/<\/li>|<\/?ul>|<\/?ol>/gi, '')
    .replace(/\n{3,}/g, '\n\n');
}

export interface LinkContext {
  links: readonly Link[];
  /** The class whose methods `method` targets name. */
  className: string;
  /** Methods with an overload pair: a link must pick one (TSDoc selector `:1`, the Promise form). */
  overloaded?: ReadonlySet<string>;
  /** Type names: a code span naming one becomes a {@link}. */
  types?: ReadonlySet<string>;
}

const PLACEHOLDER = '\u0000';

/** Converts one Markdown description into TSDoc body text. */
export function tsdoc(markdown: string, ctx?: LinkContext): string {
  const kept: string[] = [];
  let text = flattenHtml(markdown).replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_m, label: string, href: string) => {
    const link = ctx?.links.find((l) => l.href === href);
    const target = link?.target;
    let out: string;
    if (target?.kind === 'method' && ctx) {
      const ref = ctx.overloaded?.has(target.name) ? `(${target.name}:1)` : target.name;
      out = `{@link ${ctx.className}.${ref} | ${label}}`;
    } else if (target?.kind === 'event') out = `{@link EVENTS | ${label}}`;
    else if (target?.kind === 'error') out = `{@link ERROR_CODES | ${label}}`;
    else if (target?.kind === 'type') out = `{@link ${target.name} | ${label}}`;
    else if (/^https?:\/\//.test(href)) out = `{@link ${href} | ${label}}`;
    else if (link?.url) out = `{@link ${link.url} | ${label}}`;
    else out = label;
    if (out.startsWith('{@link')) {
      // Labels are prose: keep TSDoc's special characters out of the inline tag.
      out = out.replace(/\| (.*)\}$/, (_x, l: string) => `| ${l.replace(/[{}@<>|]/g, '')}}`);
      kept.push(out);
      return `${PLACEHOLDER}${kept.length - 1}${PLACEHOLDER}`;
    }
    return out;
  });
  // A code span that is exactly a type name links to the type.
  if (ctx?.types?.size) {
    text = text.replace(/`([A-Z][A-Za-z0-9]*)`/g, (m, name: string) => {
      if (!ctx.types!.has(name)) return m;
      kept.push(`{@link ${name}}`);
      return `${PLACEHOLDER}${kept.length - 1}${PLACEHOLDER}`;
    });
  }
  text = escapeOutsideCode(text);
  text = text.replace(new RegExp(`${PLACEHOLDER}(\\d+)${PLACEHOLDER}`, 'g'), (_m, i: string) => kept[Number(i)]!);
  // A comment end inside the text (a snippet's `/* ... */`) would close the doc comment.
  return text.replace(/\*\//g, '*\\/').trim();
}

/** The context for a text of `spec` whose links are `links`: method links pick the Promise overload, type names link. */
export function contextFor(spec: Spec, links: readonly Link[]): LinkContext {
  const cls = spec.classes[0];
  return {
    links,
    className: cls?.name ?? 'Client',
    overloaded: new Set((cls?.methods ?? []).filter((m) => m.callbacks).map((m) => m.name)),
    types: new Set(spec.types.map((t) => t.name)),
  };
}
