// The error codes the server sends, copied from spec/docs/error-codes.md (names and numbers
// must stay identical to that page: the SDK's ERROR_CODES is generated from it).
export const CODES = {
  INVALID_PARAMS: 100001,
  NOT_IN_ROOM: 100002,
  ALREADY_IN_ROOM: 100003,
  ALREADY_PUBLISHED: 100005,
  NOT_PUBLISHED: 100006,
  PROTOCOL_ERROR: 200005,
  RATE_LIMITED: 200006,
  SERVER_ERROR: 200007,
  NOT_SUBSCRIBED: 300006,
  STREAM_NOT_PUBLISHED: 300007,
  TOKEN_INVALID: 400001,
  TOKEN_EXPIRED: 400002,
  TOKEN_MISMATCH: 400003,
  NO_PUBLISH_PRIVILEGE: 400004,
  NO_SUBSCRIBE_PRIVILEGE: 400005,
  ROOM_FULL: 400006,
  PUBLISHER_LIMIT: 400007,
  INVISIBLE_LIMIT: 400008,
  INVISIBLE_CANNOT_PUBLISH: 400009,
  KICKED: 400010,
  APP_UNKNOWN: 400011,
} as const;

export type CodeName = keyof typeof CODES;

/** A refusal as it travels on the wire: `{ code, reason }`. */
export interface Failure {
  code: number;
  reason: string;
}

export function failure(name: CodeName, reason: string): Failure {
  return { code: CODES[name], reason };
}
