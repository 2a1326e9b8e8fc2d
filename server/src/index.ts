// Public API of the reference backend.
export { generateToken, verifyToken, parseToken, checkPrivilege, Privileges } from './token/index.js';
export type { TokenInput, ParsedToken, VerifyOptions, VerifyResult, Privilege } from './token/index.js';
export { CODES, type Failure } from './codes.js';
