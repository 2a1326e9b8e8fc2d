// Sizes both sides hold to: the SDK refuses to send more, the server refuses to accept more.
// Lengths are in UTF-16 code units (String.length), as both sides measure them.

/** A token (the AccessToken string) in a join. */
export const MAX_TOKEN_LENGTH = 4096;
/** The optional businessId in a join. */
export const MAX_BUSINESS_ID_LENGTH = 128;
/** The sessionId a resume presents. */
export const MAX_SESSION_ID_LENGTH = 64;
/** The resumeToken a resume presents. */
export const MAX_RESUME_TOKEN_LENGTH = 128;
/** Items in one `report` request. */
export const MAX_REPORT_ITEMS = 500;
/** The server's default limit on one text frame, in UTF-8 bytes (configurable per server). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
/** The server's default limit on how deep objects and arrays nest in one frame (configurable per server). */
export const DEFAULT_MAX_FRAME_DEPTH = 32;
