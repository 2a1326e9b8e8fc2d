// Markdown from the docs -> TSDoc that api-extractor accepts: links become {@link}, HTML is
// flattened, and TSDoc's special characters are escaped outside code spans.
import type { Link } from '../spec/types.js';

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
    }
    else if (target?.kind === 'event') out = `${label} (\`EVENTS.${target.name}\`)`;
    else if (target?.kind === 'error') out = `${label} (\`ERROR_CODES\`)`;
    else if (target?.kind === 'type') out = `{@link ${target.name} | ${label}}`;
    else if (/^https?:\/\//.test(href)) out = `{@link ${href} | ${label}}`;
    else out = label;
    if (out.startsWith('{@link')) {
      // Labels are prose: keep TSDoc's special characters out of the inline tag.
      out = out.replace(/\| (.*)\}$/, (_x, l: string) => `| ${l.replace(/[{}@<>|]/g, '')}}`);
      kept.push(out);
      return `${PLACEHOLDER}${kept.length - 1}${PLACEHOLDER}`;
    }
    return out;
  });
  text = escapeOutsideCode(text);
  text = text.replace(new RegExp(`${PLACEHOLDER}(\\d+)${PLACEHOLDER}`, 'g'), (_m, i: string) => kept[Number(i)]!);
  return text.trim();
}
