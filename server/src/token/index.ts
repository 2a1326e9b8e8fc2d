export { generateToken, type TokenInput } from './generate.js';
export { verifyToken, parseToken, checkPrivilege, checkGrant, type ParsedToken, type VerifyOptions, type VerifyResult } from './verify.js';
export { Privileges, type Privilege } from './privileges.js';
