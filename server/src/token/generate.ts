import { createHmac } from 'node:crypto';
import { APP_ID_LENGTH, VERSION, packContent, packMessage } from './format.js';
import { PUBLISH_IMPLIES, Privileges } from './privileges.js';

export interface TokenInput {
  appId: string;
  appKey: string;
  roomId: string;
  userId: string;
  /** Unix seconds; 0 = the token never expires. */
  expireAt: number;
  /** Unix seconds for PublishStream (0 = never); omit or null to not grant it. */
  publishExpireAt?: number | null;
  /** Unix seconds for SubscribeStream (0 = never); omit or null to not grant it. */
  subscribeExpireAt?: number | null;
  /** Defaults to the current time. */
  issuedAt?: number;
  /** Defaults to a random 32-bit value. */
  nonce?: number;
}

const INT32_MIN = -0x80000000;
const UINT32_MAX = 0xffffffff;

function check32(name: string, n: number): void {
  if (!Number.isInteger(n) || n < INT32_MIN || n > UINT32_MAX) {
    throw new RangeError(`${name} must be an integer that fits in 32 bits, got ${n}`);
  }
}

/** Mints an AccessToken (version 001). Throws TypeError / RangeError on bad input. */
export function generateToken(input: TokenInput): string {
  if (typeof input.appId !== 'string' || input.appId.length !== APP_ID_LENGTH) {
    throw new TypeError(`appId must be a string of exactly ${APP_ID_LENGTH} characters`);
  }
  for (const k of ['appKey', 'roomId', 'userId'] as const) {
    if (typeof input[k] !== 'string') throw new TypeError(`${k} must be a string`);
  }
  const issuedAt = input.issuedAt ?? Math.floor(Date.now() / 1000);
  const nonce = input.nonce ?? (Math.random() * 0x100000000) >>> 0;
  check32('expireAt', input.expireAt);
  check32('issuedAt', issuedAt);
  check32('nonce', nonce);

  const privileges = new Map<number, number>();
  if (input.publishExpireAt != null) {
    check32('publishExpireAt', input.publishExpireAt);
    privileges.set(Privileges.PublishStream, input.publishExpireAt);
    for (const p of PUBLISH_IMPLIES) privileges.set(p, input.publishExpireAt);
  }
  if (input.subscribeExpireAt != null) {
    check32('subscribeExpireAt', input.subscribeExpireAt);
    privileges.set(Privileges.SubscribeStream, input.subscribeExpireAt);
  }

  const msg = packMessage({
    nonce,
    issuedAt,
    expireAt: input.expireAt,
    roomId: input.roomId,
    userId: input.userId,
    privileges,
  });
  const signature = createHmac('sha256', Buffer.from(input.appKey, 'utf8')).update(msg).digest();
  return VERSION + input.appId + packContent(msg, signature).toString('base64');
}
