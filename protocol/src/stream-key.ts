// How a stream key (app, room, user, main or screen) becomes a relay app and stream name, and
// back. Room, user and app ids may hold characters ('@', '.', anything really) that relays refuse
// in app and stream names (node-media-server and SRS accept only [a-zA-Z0-9_-]). This escaping is
// injective, so two different keys never share a relay name, and reversible, so a relay callback
// (see docs/media.md, SRS) can recover the key from a stream path without a registry.
//
// Grammar, read left to right over the UTF-8 bytes of the id:
//   [A-Za-z0-9-]  stands for itself
//   __  '_'      _a  '@'      _d  '.'      _xHH  each UTF-8 byte of any other character
//   _uHHHH  a lone UTF-16 surrogate (no UTF-8 form)
//   _e  the empty id (only ever the whole field)
// In a stream name, _s separates fields: <room>_s<user>_s<main|screen>.
// No Node built-ins here (the package is shared with the mini-program SDK): UTF-8 by hand.

/** One published stream: whose, in which room of which app, and which of its two streams. */
export interface StreamKey {
  appId: string;
  roomId: string;
  userId: string;
  screen: boolean;
}

export interface RelayPath {
  app: string;
  stream: string;
}

const PLAIN = /^[A-Za-z0-9-]$/;
const HEX = /^[0-9a-f]{2}$/;

function utf8(code: number): number[] {
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

/** UTF-8 bytes -> text; null on anything that is not a well-formed sequence. */
function fromUtf8(bytes: number[]): string | null {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return null;
    let code = len === 1 ? b : b & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return null;
      code = (code << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((len === 3 && code < 0x800) || (len === 4 && (code < 0x10000 || code > 0x10ffff)) || (code >= 0xd800 && code <= 0xdfff)) return null;
    out += String.fromCodePoint(code);
    i += len;
  }
  return out;
}

export function encodeId(id: string): string {
  if (id.length === 0) return '_e';
  let out = '';
  for (const ch of id) {
    const code = ch.codePointAt(0) as number;
    if (PLAIN.test(ch)) out += ch;
    else if (ch === '_') out += '__';
    else if (ch === '@') out += '_a';
    else if (ch === '.') out += '_d';
    // A lone surrogate has no UTF-8 form; spelling it out keeps such ids apart too.
    else if (code >= 0xd800 && code <= 0xdfff) out += '_u' + code.toString(16);
    else for (const byte of utf8(code)) out += '_x' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** Splits an encoded name on its _s separators; null if the escaping is malformed. */
function splitFields(name: string): string[] | null {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    if (ch !== '_') {
      if (!PLAIN.test(ch)) return null;
      current += ch;
      continue;
    }
    const code = name[i + 1];
    const width = code === 'x' ? 4 : code === 'u' ? 6 : 2;
    if (code === 's') {
      fields.push(current);
      current = '';
    } else if (code === '_' || code === 'a' || code === 'd' || code === 'e' || code === 'x' || code === 'u') {
      current += name.slice(i, i + width);
    } else {
      return null;
    }
    i += width - 1;
  }
  fields.push(current);
  return fields;
}

/** Inverse of encodeId for one field; null when the field is not exactly what encodeId makes. */
export function decodeId(field: string): string | null {
  if (field === '_e') return '';
  let text = '';
  let bytes: number[] = [];
  const flush = (): boolean => {
    const chunk = fromUtf8(bytes);
    bytes = [];
    if (chunk === null) return false;
    text += chunk;
    return true;
  };
  for (let i = 0; i < field.length; i++) {
    const ch = field[i] as string;
    const code = field[i + 1];
    if (ch === '_' && code === 'x') {
      const hex = field.slice(i + 2, i + 4);
      if (!HEX.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 3;
      continue;
    }
    if (!flush()) return null;
    if (ch !== '_') text += ch;
    else if (code === '_') text += '_';
    else if (code === 'a') text += '@';
    else if (code === 'd') text += '.';
    else if (code === 'u') {
      const hex = field.slice(i + 2, i + 6);
      if (!/^d[89a-f][0-9a-f]{2}$/.test(hex)) return null;
      text += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else return null;
    if (ch === '_') i += 1;
  }
  if (!flush()) return null;
  // Only the one spelling encodeId makes is accepted, so two names never decode to one id.
  return text.length > 0 && encodeId(text) === field ? text : null;
}

/** The relay app and stream name of a key (the embedded relay's layout: one app per appId). */
export function relayPath(key: StreamKey): RelayPath {
  return {
    app: encodeId(key.appId),
    stream: `${encodeId(key.roomId)}_s${encodeId(key.userId)}_s${key.screen ? 'screen' : 'main'}`,
  };
}

/** The key a relay path stands for, or null if the path was not made by relayPath. */
export function parseRelayPath(path: RelayPath): StreamKey | null {
  const app = splitFields(path.app);
  const fields = splitFields(path.stream);
  if (!app || app.length !== 1 || !fields || fields.length !== 3) return null;
  const appId = decodeId(app[0] as string);
  const roomId = decodeId(fields[0] as string);
  const userId = decodeId(fields[1] as string);
  const kind = fields[2];
  if (appId === null || roomId === null || userId === null) return null;
  if (kind !== 'main' && kind !== 'screen') return null;
  return { appId, roomId, userId, screen: kind === 'screen' };
}
