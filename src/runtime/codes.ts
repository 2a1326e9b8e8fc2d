// The error codes the runtime raises, one constant each: the minifier writes the number where a
// constant is used, where `ERROR_CODES.X` would stay a property read by name in the shipped file.
// Each is typed by the generated ERROR_CODES, so a code that changes in the docs fails the typecheck
// here. Runtime files import this module as `ERROR_CODES`; the public object stays the generated one.
import type { ERROR_CODES as CODES } from '../generated/error-codes.js';

export const ALREADY_IN_ROOM: typeof CODES.ALREADY_IN_ROOM = 100003;
export const ALREADY_PUBLISHED: typeof CODES.ALREADY_PUBLISHED = 100005;
export const CLIENT_DESTROYED: typeof CODES.CLIENT_DESTROYED = 100012;
export const CONNECTING: typeof CODES.CONNECTING = 100004;
export const CONNECTION_FAILED: typeof CODES.CONNECTION_FAILED = 500003;
export const CONNECTION_LOST: typeof CODES.CONNECTION_LOST = 500002;
export const HAS_INITED: typeof CODES.HAS_INITED = 100008;
export const INTERNAL_ERROR: typeof CODES.INTERNAL_ERROR = 200008;
export const INVALID_PARAMS: typeof CODES.INVALID_PARAMS = 100001;
export const INVISIBLE_CANNOT_PUBLISH: typeof CODES.INVISIBLE_CANNOT_PUBLISH = 400009;
export const LEAVING: typeof CODES.LEAVING = 100013;
export const NOT_INITED: typeof CODES.NOT_INITED = 100011;
export const NOT_IN_ROOM: typeof CODES.NOT_IN_ROOM = 100002;
export const NOT_PUBLISHED: typeof CODES.NOT_PUBLISHED = 100006;
export const NOT_SUBSCRIBED: typeof CODES.NOT_SUBSCRIBED = 300006;
export const NO_WEBSOCLET_URL: typeof CODES.NO_WEBSOCLET_URL = 200003;
export const PROTOCOL_ERROR: typeof CODES.PROTOCOL_ERROR = 200005;
export const RATE_LIMITED: typeof CODES.RATE_LIMITED = 200006;
export const REQUEST_TIMEOUT: typeof CODES.REQUEST_TIMEOUT = 500001;
export const SERVER_ERROR: typeof CODES.SERVER_ERROR = 200007;
export const TOKEN_EXPIRED: typeof CODES.TOKEN_EXPIRED = 400002;
export const TOKEN_INVALID: typeof CODES.TOKEN_INVALID = 400001;
export const TOKEN_RENEW_MISMATCH: typeof CODES.TOKEN_RENEW_MISMATCH = 400012;
