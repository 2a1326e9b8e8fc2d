// What an RTMP client may say, checked before the relay library reads it: a `connect` with a
// usable tcUrl and a valid app name first, then at most one `publish` or `play` with a valid
// stream name, other commands only by plain names, and data messages the library can decode.

import { isPlainObject, readAmf0, type Amf0Limits, type Amf0Value } from './amf0.js';
import { TYPE_COMMAND_AMF3, TYPE_DATA_AMF0, type RtmpMessage } from './chunks.js';

/** The relay's name rule for apps and streams (ours is the same, see names.ts). */
export const RELAY_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const COMMAND_NAME = /^[A-Za-z_@|][A-Za-z0-9_]{0,63}$/;
/** How many values after the name the library reads for these data messages. */
const DATA_FIELDS: Record<string, number> = { '@setDataFrame': 2, onFI: 1, onMetaData: 1, '|RtmpSampleAccess': 2 };

export type Command = { kind: 'connect'; app: string } | { kind: 'publish' | 'play'; stream: string; query: string } | { kind: 'other' };

export interface CommandLimits extends Amf0Limits {
  /** Longest tcUrl accepted. */
  maxUrl: number;
  /** Longest query string after the stream name. */
  maxQuery: number;
}

/** A name the library would look up in a plain object and find on Object.prototype. */
function inherited(name: string): boolean {
  return name in Object.prototype;
}

function parseUrl(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

/** The command in msg, or a reason to refuse the connection. */
export function readCommand(msg: RtmpMessage, limits: CommandLimits): Command | { reject: string } {
  // AMF3 commands carry one format byte, then AMF0; the library skips it the same way.
  const body = msg.type === TYPE_COMMAND_AMF3 ? msg.payload.subarray(1) : msg.payload;
  const values = readAmf0(body, limits);
  if (!values || values.length === 0) return { reject: 'malformed AMF0 in a command' };
  const name = values[0];
  if (typeof name !== 'string' || !COMMAND_NAME.test(name) || inherited(name)) return { reject: 'bad command name' };
  if (name === 'connect') {
    const obj = values[2];
    if (!isPlainObject(obj)) return { reject: 'connect without a command object' };
    const { app, tcUrl } = obj;
    if (typeof tcUrl !== 'string' || tcUrl.length > limits.maxUrl || !parseUrl(tcUrl)) return { reject: 'connect without a usable tcUrl' };
    if (typeof app !== 'string' || !RELAY_NAME.test(app)) return { reject: 'connect with a bad app name' };
    return { kind: 'connect', app };
  }
  if (name === 'publish' || name === 'play') {
    const full = values[3];
    if (typeof full !== 'string') return { reject: `${name} without a stream name` };
    const q = full.indexOf('?');
    const stream = q < 0 ? full : full.slice(0, q);
    const query = q < 0 ? '' : full.slice(q + 1);
    // The library keeps only what lies between the first and a second '?'.
    if (!RELAY_NAME.test(stream) || query.includes('?') || query.length > limits.maxQuery) return { reject: `${name} with a bad stream name` };
    return { kind: name, stream, query };
  }
  return { kind: 'other' };
}

/** Whether a data message (type 18) is one the library decodes without reading past it. */
export function checkData(msg: RtmpMessage, limits: Amf0Limits): true | { reject: string } {
  if (msg.type !== TYPE_DATA_AMF0) return { reject: 'not a data message' };
  const values = readAmf0(msg.payload, limits);
  if (!values || values.length === 0) return { reject: 'malformed AMF0 in a data message' };
  const name = values[0];
  if (typeof name !== 'string' || inherited(name)) return { reject: 'bad data message name' };
  const fields = DATA_FIELDS[name];
  if (fields === undefined) return true;
  // The library reads its fields from a buffer longer than the message: they must all be here.
  if (values.length - 1 < fields) return { reject: `${name} without its fields` };
  const obj: Amf0Value = name === '@setDataFrame' ? values[2]! : name === 'onMetaData' ? values[1]! : {};
  if (!isPlainObject(obj)) return { reject: `${name} without an object` };
  return true;
}
