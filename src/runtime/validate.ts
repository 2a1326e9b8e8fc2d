// Checks the generated layer cannot derive from the docs' types: formats of ids.
import type { VolcEngineRTCError } from '../generated/types.js';
import { APP_ID_PATTERN, ID_PATTERN, ID_RULE, MAX_TOKEN_LENGTH } from '@mprtc/protocol';
import { invalid } from './errors.js';

export function checkAppId(appId: string): VolcEngineRTCError | undefined {
  if (APP_ID_PATTERN.test(appId)) return undefined;
  return invalid('init(appId)', '24 of A-Z a-z 0-9 _ -');
}

export function checkId(method: string, name: string, value: string): VolcEngineRTCError | undefined {
  if (ID_PATTERN.test(value)) return undefined;
  return invalid(`${method}(${name})`, ID_RULE);
}

export function checkToken(method: string, token: string): VolcEngineRTCError | undefined {
  if (token.length > 0 && token.length <= MAX_TOKEN_LENGTH) return undefined;
  return invalid(`${method}(token)`, `1 to ${MAX_TOKEN_LENGTH} characters`);
}
