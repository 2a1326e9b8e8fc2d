/** Room and user ids as the vendor's other SDKs accept them. */
export const ID_PATTERN = /^[a-zA-Z0-9_@\-.]{1,128}$/;

export const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);
