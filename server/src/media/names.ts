// Room, user and app ids may hold characters ('@', '.', anything really) that relays refuse in
// app and stream names (node-media-server and SRS accept only [a-zA-Z0-9_-]). This escaping is
// injective, so two different keys never share a relay name, and reversible, so a relay callback
// (see docs/media.md, SRS) can recover the key from a stream path without a registry.
//
// Grammar, read left to right over the UTF-8 bytes of the id:
//   [A-Za-z0-9-]  stands for itself
//   __  '_'      _a  '@'      _d  '.'      _xHH  any other byte (lowercase hex)
//   _e  the empty id (only ever the whole field)
// In a stream name, _s separates fields: <room>_s<user>_s<main|screen>.

import type { StreamKey } from './plane.js';

const PLAIN = /^[A-Za-z0-9-]$/;
const HEX = /^[0-9a-f]{2}$/;

export function encodeId(id: string): string {
  if (id.length === 0) return '_e';
  let out = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (PLAIN.test(ch)) out += ch;
    else if (ch === '_') out += '__';
    else if (ch === '@') out += '_a';
    else if (ch === '.') out += '_d';
    else out += '_x' + byte.toString(16).padStart(2, '0');
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
    if (code === 's') {
      fields.push(current);
      current = '';
      i += 1;
    } else if (code === 'x') {
      if (!HEX.test(name.slice(i + 2, i + 4))) return null;
      current += name.slice(i, i + 4);
      i += 3;
    } else if (code === '_' || code === 'a' || code === 'd' || code === 'e') {
      current += '_' + code;
      i += 1;
    } else {
      return null;
    }
  }
  fields.push(current);
  return fields;
}

/** Inverse of encodeId for one field; null when the field is not a valid encoding. */
export function decodeId(field: string): string | null {
  if (field === '_e') return '';
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const ch = field[i] as string;
    if (ch !== '_') {
      if (!PLAIN.test(ch)) return null;
      bytes.push(ch.charCodeAt(0));
      continue;
    }
    const code = field[i + 1];
    if (code === '_') bytes.push(0x5f);
    else if (code === 'a') bytes.push(0x40);
    else if (code === 'd') bytes.push(0x2e);
    else if (code === 'x') {
      const hex = field.slice(i + 2, i + 4);
      if (!HEX.test(hex)) return null;
      const byte = parseInt(hex, 16);
      // A byte with a shorter spelling must use it, or two names would decode to one id.
      const ch2 = String.fromCharCode(byte);
      if (PLAIN.test(ch2) || ch2 === '_' || ch2 === '@' || ch2 === '.') return null;
      bytes.push(byte);
      i += 2;
    } else return null;
    i += 1;
  }
  if (bytes.length === 0) return null;
  const buf = Buffer.from(bytes);
  const text = buf.toString('utf8');
  // Ids are strings: bytes that are not valid UTF-8 cannot come from encodeId.
  return Buffer.from(text, 'utf8').equals(buf) ? text : null;
}

export interface RelayPath {
  app: string;
  stream: string;
}

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

/** One string per stream, used as a map key inside the plane. */
export function pathId(path: RelayPath): string {
  return `/${path.app}/${path.stream}`;
}
