// Checks the generated layer cannot derive from the docs' types: formats of ids. Each throws
// INVALID_PARAMS naming the argument and the rule it breaks.
import { APP_ID_PATTERN, ID_PATTERN, ID_RULE, MAX_TOKEN_LENGTH } from '@mprtc/protocol';
import { invalid } from './errors.js';

function must(ok: boolean, where: string, rule: string): void {
  if (!ok) throw invalid(where, rule);
}

export const checkAppId = (appId: string): void => must(APP_ID_PATTERN.test(appId), 'init(appId)', '24 of A-Z a-z 0-9 _ -');

export const checkId = (method: string, name: string, value: string): void => must(ID_PATTERN.test(value), `${method}(${name})`, ID_RULE);

export const checkToken = (method: string, token: string): void =>
  must(token.length > 0 && token.length <= MAX_TOKEN_LENGTH, `${method}(token)`, `1 to ${MAX_TOKEN_LENGTH} characters`);
