// The error codes the server sends. The numbers come from the protocol package's ERROR_CODES,
// which codegen generates from spec/docs/error-codes.md (the same table as the SDK's), so a
// change to that page reaches client and server alike.
import { ERROR_CODES } from '@mprtc/protocol';

type AllCodes = typeof ERROR_CODES;

/** The names the server uses on the wire; a name the page no longer has fails to compile. */
const SERVER_CODE_NAMES = [
  'INVALID_PARAMS',
  'NOT_IN_ROOM',
  'ALREADY_IN_ROOM',
  'ALREADY_PUBLISHED',
  'NOT_PUBLISHED',
  'PROTOCOL_ERROR',
  'RATE_LIMITED',
  'SERVER_ERROR',
  'NOT_SUBSCRIBED',
  'STREAM_NOT_PUBLISHED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_MISMATCH',
  'NO_PUBLISH_PRIVILEGE',
  'NO_SUBSCRIBE_PRIVILEGE',
  'ROOM_FULL',
  'PUBLISHER_LIMIT',
  'INVISIBLE_LIMIT',
  'INVISIBLE_CANNOT_PUBLISH',
  'KICKED',
  'APP_UNKNOWN',
  'TOKEN_RENEW_MISMATCH',
  'SERVICE_UNAVAILABLE',
] as const satisfies readonly (keyof AllCodes)[];

export type CodeName = (typeof SERVER_CODE_NAMES)[number];

export const CODES: { readonly [K in CodeName]: AllCodes[K] } = Object.freeze(
  Object.fromEntries(SERVER_CODE_NAMES.map((name) => [name, ERROR_CODES[name]])) as { [K in CodeName]: AllCodes[K] },
);

/** A refusal as it travels on the wire: `{ code, reason }`. */
export interface Failure {
  code: number;
  reason: string;
}

/** The refusing half of a {@link Result}: `ok: false` with the Failure's fields beside it. */
export type Refused = { ok: false } & Failure;

/**
 * The server's one in-process shape for "a value, or why not": the success fields `T` beside
 * `ok: true`, or a {@link Refused}. Room operations, token checks, media URL checks and session
 * takes all answer this way. Wire formats keep their own shapes (the response frame's
 * `{ ok: false, error }`, the cluster's JSON answers).
 */
export type Result<T extends object> = ({ ok: true } & T) | Refused;

export function failure(name: CodeName, reason: string): Failure {
  return { code: CODES[name], reason };
}
