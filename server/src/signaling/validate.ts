// Turns one text frame into a request, a ping, or a refusal. Nothing here throws: every bad
// frame becomes a refusal the connection answers.
import {
  ID_RULE,
  MAX_BUSINESS_ID_LENGTH as MAX_BUSINESS_ID,
  MAX_REPORT_ITEMS,
  MAX_RESUME_TOKEN_LENGTH as MAX_RESUME_TOKEN,
  MAX_SESSION_ID_LENGTH as MAX_SESSION_ID,
  MAX_TOKEN_LENGTH as MAX_TOKEN,
  PROTOCOL_VERSION,
  isId,
  type ReportItem,
  type Request,
} from '@mprtc/protocol';
import { CODES } from '../codes.js';

export type Parsed =
  | { kind: 'ping'; t: number }
  | { kind: 'request'; id: number; request: Request }
  /** id present: answered as a failed response; absent: as an unsolicited error frame. */
  | { kind: 'refused'; id: number | null; code: number; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Invalid extends Error {}

/** A boolean field; absent means `fallback` (the vendor's documented default). */
function bool(o: Obj, name: string, fallback?: boolean): boolean {
  const v = o[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (!isBool(v)) throw new Invalid(`${name} must be a boolean`);
  return v;
}

function id(o: Obj, name: string): string {
  const v = o[name];
  if (!isId(v)) throw new Invalid(`${name} must be ${ID_RULE}`);
  return v;
}

function toRequest(type: string, o: Obj): Request | null {
  switch (type) {
    case 'join': {
      if (typeof o.token !== 'string' || o.token.length === 0 || o.token.length > MAX_TOKEN) throw new Invalid('token must be a non-empty string');
      const b = o.businessId;
      if (b !== undefined && b !== null && (typeof b !== 'string' || b.length > MAX_BUSINESS_ID)) {
        throw new Invalid(`businessId must be a string of at most ${MAX_BUSINESS_ID} characters`);
      }
      const req: Request = { type, appId: id(o, 'appId'), token: o.token, roomId: id(o, 'roomId'), userId: id(o, 'userId'), visible: bool(o, 'visible', true) };
      if (typeof b === 'string' && b.length > 0) req.businessId = b;
      return req;
    }
    case 'resume': {
      const sid = o.sessionId;
      const tok = o.resumeToken;
      if (typeof sid !== 'string' || sid.length === 0 || sid.length > MAX_SESSION_ID)
        throw new Invalid(`sessionId must be a string of 1 to ${MAX_SESSION_ID} characters`);
      if (typeof tok !== 'string' || tok.length === 0 || tok.length > MAX_RESUME_TOKEN)
        throw new Invalid(`resumeToken must be a string of 1 to ${MAX_RESUME_TOKEN} characters`);
      const last = o.lastSeq;
      if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0) throw new Invalid('lastSeq must be a non-negative integer');
      return { type, sessionId: sid, resumeToken: tok, lastSeq: last };
    }
    case 'leave':
      return { type };
    case 'updateToken':
      if (typeof o.token !== 'string' || o.token.length === 0 || o.token.length > MAX_TOKEN) throw new Invalid('token must be a non-empty string');
      return { type, token: o.token };
    case 'publish':
    case 'unpublish':
      return { type, screen: bool(o, 'screen', false) };
    case 'subscribe':
      return { type, userId: id(o, 'userId'), screen: bool(o, 'screen', false), audio: bool(o, 'audio', true), video: bool(o, 'video', true) };
    case 'unsubscribe':
      return { type, userId: id(o, 'userId'), screen: bool(o, 'screen', false) };
    case 'muteLocal':
      return { type, audio: bool(o, 'audio'), video: bool(o, 'video') };
    case 'muteRemote':
      return { type, userId: id(o, 'userId'), screen: bool(o, 'screen', false), audio: bool(o, 'audio'), video: bool(o, 'video') };
    case 'setVisibility':
      return { type, visible: bool(o, 'visible') };
    case 'report': {
      if (!Array.isArray(o.items)) throw new Invalid('items must be an array');
      if (o.items.length > MAX_REPORT_ITEMS) throw new Invalid(`at most ${MAX_REPORT_ITEMS} items per report`);
      return { type, items: o.items as ReportItem[] }; // checked item by item in reportItems()
    }
    default:
      return null;
  }
}

/** The well-formed items of a report batch; the rest are dropped (and not counted as accepted). */
export function reportItems(items: unknown[]): ReportItem[] {
  const out: ReportItem[] = [];
  for (const it of items) {
    if (!isObj(it) || !isFiniteNum(it.at)) continue;
    switch (it.kind) {
      case 'pusherState':
        // Any numeric code is kept: WeChat versions report codes nobody documented.
        if (Number.isInteger(it.code) && typeof it.message === 'string')
          out.push({ kind: it.kind, at: it.at, code: it.code as number, message: it.message.slice(0, 512) });
        break;
      case 'playerState':
        if (isId(it.uid) && Number.isInteger(it.code) && typeof it.message === 'string')
          out.push({ kind: it.kind, at: it.at, uid: it.uid, code: it.code as number, message: it.message.slice(0, 512) });
        break;
      case 'pusherNet': {
        const info = netInfo(it.info);
        if (info) out.push({ kind: it.kind, at: it.at, info });
        break;
      }
      case 'playerNet': {
        const info = netInfo(it.info);
        if (isId(it.uid) && info) out.push({ kind: it.kind, at: it.at, uid: it.uid, info });
        break;
      }
    }
  }
  return out;
}

/** Fields kept of a net status record, and the longest string value kept. */
export const MAX_INFO_FIELDS = 32;
const MAX_INFO_STRING = 128;
const INFO_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/**
 * WeChat's net status is a flat record of numbers and short strings: a copy with at most 32 such
 * fields is kept (other fields, nested values, odd keys are dropped). Stored reports then cost a
 * bounded amount of memory per item whatever a client sends (nested or many-keyed objects take
 * many times their JSON size in the heap).
 */
function netInfo(v: unknown): Record<string, number | string | boolean> | null {
  if (!isObj(v)) return null;
  const out: Record<string, number | string | boolean> = {};
  let kept = 0;
  for (const key of Object.keys(v)) {
    if (kept === MAX_INFO_FIELDS) break;
    const value = v[key];
    if (!INFO_KEY.test(key)) continue;
    if (isFiniteNum(value) || isBool(value)) out[key] = value;
    else if (typeof value === 'string') out[key] = value.slice(0, MAX_INFO_STRING);
    else continue;
    kept++;
  }
  return out;
}

export function parseFrame(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'refused', id: null, code: CODES.PROTOCOL_ERROR, reason: 'frame is not valid JSON' };
  }
  if (!isObj(value)) return { kind: 'refused', id: null, code: CODES.PROTOCOL_ERROR, reason: 'frame is not a JSON object' };
  if (value.type === 'ping') return { kind: 'ping', t: isFiniteNum(value.t) ? value.t : Date.now() };
  const rid = value.id;
  if (typeof rid !== 'number' || !Number.isSafeInteger(rid) || rid < 0) {
    return { kind: 'refused', id: null, code: CODES.PROTOCOL_ERROR, reason: 'request has no valid id' };
  }
  if (value.v !== PROTOCOL_VERSION) {
    return {
      kind: 'refused',
      id: rid,
      code: CODES.PROTOCOL_ERROR,
      reason: `unsupported protocol version ${String(JSON.stringify(value.v)).slice(0, 32)}; this server speaks ${PROTOCOL_VERSION}`,
    };
  }
  if (typeof value.type !== 'string') return { kind: 'refused', id: rid, code: CODES.PROTOCOL_ERROR, reason: 'request has no type' };
  try {
    const request = toRequest(value.type, value);
    if (!request) return { kind: 'refused', id: rid, code: CODES.PROTOCOL_ERROR, reason: `unknown request type ${JSON.stringify(value.type.slice(0, 64))}` };
    return { kind: 'request', id: rid, request };
  } catch (e) {
    if (e instanceof Invalid) return { kind: 'refused', id: rid, code: CODES.INVALID_PARAMS, reason: `${value.type}: ${e.message}` };
    throw e;
  }
}
