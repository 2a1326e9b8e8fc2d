// Parses and checks incoming frames. The server is trusted for meaning, not for shape: a frame
// that does not parse into the protocol is refused here, never allowed to throw further up.
import { PROTOCOL_VERSION, type ServerFrame, type WireError } from '@mprtc/protocol';
import { ERROR_CODES } from '../../generated/error-codes.js';
import { SERVER_ERROR } from '../codes.js';
import { isRtcError } from '../errors.js';
import { isObject } from '../payloads.js';

export type Parsed = { frame: ServerFrame } | { bad: string; id?: number };

// Frames are untrusted: String() of an object whose toString is not a function throws, and a
// string may be megabytes long.
function show(v: unknown): string {
  return typeof v === 'string'
    ? JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v)
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : v === null
        ? 'null'
        : typeof v;
}

/** Reasons from the server are cut to this many characters (what reaches apps and logs). */
export const MAX_REASON_LENGTH = 256;

const DOCUMENTED = new Set<number>(Object.values(ERROR_CODES));

/** A server's `{code, reason}` as the SDK passes it on; `serverCode` keeps a code it replaced. */
export type ServerError = WireError & { serverCode?: number };

/**
 * Only documented codes reach the app: any other number becomes SERVER_ERROR, the original kept
 * as `serverCode` for debugging. The reason is cut to MAX_REASON_LENGTH characters.
 */
export function serverError(e: WireError): ServerError {
  const reason = e.reason.length > MAX_REASON_LENGTH ? `${e.reason.slice(0, MAX_REASON_LENGTH - 3)}...` : e.reason;
  if (DOCUMENTED.has(e.code)) return { code: e.code, reason };
  return { code: SERVER_ERROR, reason: `${reason} (undocumented server code ${String(e.code).slice(0, 24)})`, serverCode: e.code };
}

/** Event data carrying a server's `{code, reason}` (disconnect) is held to the same rule. */
function eventData(data: unknown): unknown {
  return isRtcError(data) ? Object.assign({}, data, serverError(data)) : data;
}

export function parseFrame(text: string | undefined): Parsed {
  if (text === undefined) return { bad: 'a binary frame' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { bad: 'a frame that is not JSON' };
  }
  if (!isObject(v)) return { bad: 'a frame that is not an object' };
  const id = typeof v.id === 'number' ? v.id : undefined;
  // A refusal the request with this id (if any) fails with, instead of waiting for its timeout.
  const badWithId = (bad: string): Parsed => (id !== undefined ? { bad, id } : { bad });
  if (v.v !== PROTOCOL_VERSION) return badWithId(`protocol version ${show(v.v)}, not ${PROTOCOL_VERSION}`);
  switch (v.type) {
    case 'response':
      if (id === undefined) return { bad: 'a response without an id' };
      if (v.ok === true) return { frame: { v: PROTOCOL_VERSION, type: 'response', id, ok: true, data: v.data } };
      if (v.ok === false && isRtcError(v.error)) {
        return { frame: { v: PROTOCOL_VERSION, type: 'response', id, ok: false, error: serverError(v.error) } };
      }
      return { bad: 'a response without ok/data or error', id };
    case 'error':
      if (!isRtcError(v.error)) return { bad: 'an error frame without {code, reason}' };
      return { frame: { v: PROTOCOL_VERSION, type: 'error', error: serverError(v.error) } };
    case 'event': {
      if (typeof v.event !== 'string') return { bad: 'an event frame without a name' };
      const frame: Extract<ServerFrame, { type: 'event' }> = { v: PROTOCOL_VERSION, type: 'event', event: v.event, data: eventData(v.data) };
      // seq numbers the session's events; a malformed one is dropped, not trusted for a resume.
      if (Number.isSafeInteger(v.seq) && (v.seq as number) > 0) frame.seq = v.seq as number;
      return { frame };
    }
    case 'pong':
      return { frame: { v: PROTOCOL_VERSION, type: 'pong', t: typeof v.t === 'number' ? v.t : 0 } };
    default:
      return badWithId(`an unknown frame type ${show(v.type)}`);
  }
}
