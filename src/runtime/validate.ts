// Checks the generated layer cannot derive from the docs' types: formats of ids.
import { ERROR_CODES } from '../generated/error-codes.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import { rtcError } from './errors.js';

// The token carries the appId as a fixed 24-character field, so no other length can ever match
// a token; the vendor's console issues 24 letters and digits. '_' and '-' are allowed for
// self-hosted servers that pick readable ids.
const APP_ID = /^[A-Za-z0-9_-]{24}$/;
// The vendor's other SDKs accept room and user ids of this form.
const ROOM_OR_USER_ID = /^[a-zA-Z0-9_@\-.]{1,128}$/;

export function checkAppId(appId: string): VolcEngineRTCError | undefined {
  if (APP_ID.test(appId)) return undefined;
  return rtcError(ERROR_CODES.INVALID_PARAMS, 'init(appId): an appId is 24 letters, digits, "_" or "-"');
}

export function checkId(method: string, name: string, value: string): VolcEngineRTCError | undefined {
  if (ROOM_OR_USER_ID.test(value)) return undefined;
  return rtcError(ERROR_CODES.INVALID_PARAMS, `${method}(${name}): 1 to 128 of a-z A-Z 0-9 _ @ - .`);
}

export function checkToken(token: string): VolcEngineRTCError | undefined {
  if (token.length > 0 && token.length <= 4096) return undefined;
  return rtcError(ERROR_CODES.INVALID_PARAMS, 'join(token): a token is a non-empty string of at most 4096 characters');
}
