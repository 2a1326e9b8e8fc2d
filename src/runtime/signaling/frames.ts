// Parses and checks incoming frames. The server is trusted for meaning, not for shape: a frame
// that does not parse into the protocol is refused here, never allowed to throw further up.
import { PROTOCOL_VERSION, type ServerFrame, type WireError } from '@mprtc/protocol';
import { ERROR_CODES } from '../../generated/error-codes.js';
import { SERVER_ERROR } from '../codes.js';
import { describe, isObject, isRtcError } from '../errors.js';

export type Parsed = { frame: ServerFrame } | { bad: string; id?: number };

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
  return { code: SERVER_ERROR, reason: `${reason} (undocumented server code ${e.code})`, serverCode: e.code };
}

/** Event data carrying a server's `{code, reason}` (disconnect) is held to the same rule. */
function eventData(data: unknown): unknown {
  return isRtcError(data) ? Object.assign({}, data, serverError(data)) : data;
}

/** The frame as the server sent it once its shape is checked (what the SDK reads of it is sound). */
export function parseFrame(text: string | undefined): Parsed {
  if (text === undefined) return { bad: 'a binary frame' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { bad: 'a non-JSON frame' };
  }
  if (!isObject(v)) return { bad: 'a non-object frame' };
  const why = problem(v);
  // With the id of a request (if any): that request fails with it instead of waiting for its timeout.
  return why ? { bad: why, id: typeof v.id === 'number' ? v.id : undefined } : { frame: v as ServerFrame };
}

/** What is wrong with the frame's shape, if anything (a function, not a closure made per frame). */
function problem(v: Record<string, unknown>): string | undefined {
  if (v.v !== PROTOCOL_VERSION) return `protocol version ${describe(v.v)}, not ${PROTOCOL_VERSION}`;
  switch (v.type) {
    case 'response':
      if (typeof v.id !== 'number') return 'a response without an id';
      if (v.ok === false && isRtcError(v.error)) v.error = serverError(v.error);
      else if (v.ok !== true) return 'a malformed response';
      return;
    case 'error':
      if (!isRtcError(v.error)) return 'a malformed error frame';
      v.error = serverError(v.error);
      return;
    case 'event':
      if (typeof v.event !== 'string') return 'an event without a name';
      v.data = eventData(v.data);
      // seq numbers the session's events; a malformed one is dropped, not trusted for a resume.
      if (!(Number.isSafeInteger(v.seq) && (v.seq as number) > 0)) delete v.seq;
      return;
    case 'pong':
      return;
    default:
      return `an unknown frame type ${describe(v.type)}`;
  }
}
