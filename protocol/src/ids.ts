// Which ids the protocol accepts. The SDK checks them before sending, the server again on receipt.

/** Room and user ids: the form the vendor's other SDKs accept. */
export const ID_PATTERN = /^[a-zA-Z0-9_@\-.]{1,128}$/;

/** Said in refusals, so both sides describe the rule the same way. */
export const ID_RULE = '1 to 128 of a-z A-Z 0-9 _ @ - .';

// The token carries the appId as a fixed 24-character field, so no other length can ever match a
// token; the vendor's console issues 24 letters and digits. '_' and '-' are allowed for
// self-hosted servers that pick readable ids.
export const APP_ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;

export const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);

export const isAppId = (v: unknown): v is string => typeof v === 'string' && APP_ID_PATTERN.test(v);
