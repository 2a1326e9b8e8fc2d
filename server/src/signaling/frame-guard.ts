// Checks on a frame's raw bytes that run before it is decoded or parsed: cheap linear scans, so
// a hostile frame costs the server no more than reading it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * True when no object or array in the bytes is nested deeper than `max` (brackets inside
 * strings do not count). Works on the UTF-8 bytes: no byte of a multi-byte character is ASCII.
 */
export function depthWithin(bytes: Uint8Array, max: number): boolean {
  // Depth cannot pass the number of opening brackets: counted natively (indexOf), most frames
  // are done here without a scan byte by byte.
  if (openings(bytes, max) <= max) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return false;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return true;
}

/** Opening braces and brackets in the bytes (strings included), counting stops past `max`. */
function openings(bytes: Uint8Array, max: number): number {
  let n = 0;
  for (let i = bytes.indexOf(OPEN_BRACE); i >= 0 && n <= max; i = bytes.indexOf(OPEN_BRACE, i + 1)) n++;
  for (let i = bytes.indexOf(OPEN_BRACKET); i >= 0 && n <= max; i = bytes.indexOf(OPEN_BRACKET, i + 1)) n++;
  return n;
}

const HEAD = 256;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/**
 * The request id of a frame that will not be parsed (too large, too deep, over the rate), so
 * its refusal can still be answered on it. Looks only at the top-level keys within the first
 * 256 bytes (where clients put `v` and `id`), or at a trailing `"id": N}` (where the SDK puts it:
 * in valid JSON that is a top-level key). Null when neither has one.
 */
export function peekId(bytes: Uint8Array): number | null {
  return headId(bytes) ?? tailId(bytes);
}

/** Digits of a request id: a safe non-negative integer as JSON writes it (no leading zero). */
function number(bytes: Uint8Array, from: number): { value: number; end: number } | null {
  let i = from;
  while (i < bytes.length && isDigit(bytes[i]!)) i++;
  if (i === from || i - from > 16 || (bytes[from] === 0x30 && i - from > 1)) return null;
  let value = 0;
  for (let k = from; k < i; k++) value = value * 10 + (bytes[k]! - 0x30);
  return value <= Number.MAX_SAFE_INTEGER ? { value, end: i } : null;
}

/** What may follow a JSON number that is a whole member value: `5.5` or `5e3` is not the id 5. */
const endsValue = (b: number | undefined): boolean => b !== undefined && (isSpace(b) || b === 0x2c || b === CLOSE_BRACE);

function headId(bytes: Uint8Array): number | null {
  const end = Math.min(bytes.length, HEAD);
  let depth = 0;
  let i = 0;
  while (i < end) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const start = i + 1;
      i = start;
      while (i < end && bytes[i] !== QUOTE) i += bytes[i] === BACKSLASH ? 2 : 1;
      if (i >= end) return null;
      const isIdKey = depth === 1 && i - start === 2 && bytes[start] === 0x69 && bytes[start + 1] === 0x64; // "id"
      i++;
      if (!isIdKey) continue;
      while (i < end && isSpace(bytes[i]!)) i++;
      if (bytes[i] !== 0x3a) continue; // ':' — "id" as a value, not a key
      i++;
      while (i < end && isSpace(bytes[i]!)) i++;
      const n = number(bytes, i);
      // A number cut off by the head's end is not trusted, nor one that goes on (`5.5`, `5e3`).
      return n && n.end < end && endsValue(bytes[n.end]) ? n.value : null;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
    i++;
  }
  return null;
}

function tailId(bytes: Uint8Array): number | null {
  let i = bytes.length - 1;
  while (i >= 0 && isSpace(bytes[i]!)) i--;
  if (bytes[i] !== CLOSE_BRACE) return null;
  i--;
  while (i >= 0 && isSpace(bytes[i]!)) i--;
  const last = i;
  while (i >= 0 && isDigit(bytes[i]!)) i--;
  if (i === last || last - i > 16) return null;
  const digitsFrom = i + 1;
  while (i >= 0 && isSpace(bytes[i]!)) i--;
  if (bytes[i] !== 0x3a) return null;
  i--;
  while (i >= 0 && isSpace(bytes[i]!)) i--;
  // `"id"`, and not the tail of a longer string such as `"xid"` or an escaped `\"id"`.
  if (i < 4 || bytes[i] !== QUOTE || bytes[i - 1] !== 0x64 || bytes[i - 2] !== 0x69 || bytes[i - 3] !== QUOTE || bytes[i - 4] === BACKSLASH) return null;
  return number(bytes, digitsFrom)?.value ?? null;
}
