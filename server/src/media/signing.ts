// Signed media URLs. The MAC binds the purpose (push or play) to the exact stream path, the
// subscriber, the delivered tracks, the expiry and a per-URL nonce, so a play URL can never be
// used to push, one user's URL never opens another stream, and nothing in it can be edited.
// The nonce lets the plane revoke one URL (endPush, endPlay) without rotating the secret.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RelayPath } from './names.js';
import { CODES, type Result } from '../codes.js';

export type Tracks = 'av' | 'a' | 'v' | 'none';

export type Grant =
  | { purpose: 'push'; path: RelayPath; expireAt: number; nonce: string }
  | { purpose: 'play'; path: RelayPath; subscriber: string; tracks: Tracks; expireAt: number; nonce: string };

/** Query parameters as a relay hands them over: anything may be missing, repeated or odd. */
export type Query = Record<string, string | string[] | undefined>;

const VERSION = 'mprtc-media-1';
const NONCE = /^[A-Za-z0-9_-]{11}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;
const EXPIRY = /^(0|[1-9][0-9]{0,11})$/;

export function newNonce(): string {
  return randomBytes(8).toString('base64url');
}

function macInput(grant: Grant): string {
  const common = [VERSION, grant.purpose, grant.path.app, grant.path.stream, String(grant.expireAt), grant.nonce];
  return (grant.purpose === 'play' ? [...common, grant.subscriber, grant.tracks] : common).join('\n');
}

function mac(secret: string, grant: Grant): string {
  return createHmac('sha256', secret).update(macInput(grant)).digest('base64url');
}

/** The query string (without '?') carrying a grant. */
export function signGrant(secret: string, grant: Grant): string {
  const params = new URLSearchParams();
  if (grant.purpose === 'play') {
    params.set('u', grant.subscriber);
    params.set('m', grant.tracks);
  }
  params.set('e', String(grant.expireAt));
  params.set('n', grant.nonce);
  params.set('sig', mac(secret, grant));
  return params.toString();
}

function single(query: Query, name: string): string | null {
  const value = query[name];
  return typeof value === 'string' ? value : null;
}

/**
 * A media URL's check. Named apart from the token's VerifyResult; the refusal's code is the one a
 * bad or stale token would get (no client sees it; the plane reads only `ok`).
 */
export type GrantCheck = Result<{ grant: Grant }>;

const refuse = (code: number, reason: string): GrantCheck => ({ ok: false, code, reason });

/**
 * Checks a query against the purpose the relay saw (publish or play) and the path it was sent
 * to. Expiry 0 means "never", as in AccessTokens; revocation is the plane's job (nonce registry).
 */
export function verifyGrant(secret: string, purpose: 'push' | 'play', path: RelayPath, query: Query, nowSeconds: number): GrantCheck {
  const e = single(query, 'e');
  const nonce = single(query, 'n');
  const sig = single(query, 'sig');
  if (e === null || nonce === null || sig === null || !EXPIRY.test(e) || !NONCE.test(nonce) || !SIG.test(sig)) {
    return refuse(CODES.TOKEN_INVALID, 'missing or malformed signature parameters');
  }
  const expireAt = Number(e);
  let grant: Grant;
  if (purpose === 'play') {
    const subscriber = single(query, 'u');
    const tracks = single(query, 'm');
    if (subscriber === null || (tracks !== 'av' && tracks !== 'a' && tracks !== 'v' && tracks !== 'none')) {
      return refuse(CODES.TOKEN_INVALID, 'missing or malformed play parameters');
    }
    grant = { purpose, path, subscriber, tracks, expireAt, nonce };
  } else {
    grant = { purpose, path, expireAt, nonce };
  }
  const expected = Buffer.from(mac(secret, grant));
  if (!timingSafeEqual(expected, Buffer.from(sig))) return refuse(CODES.TOKEN_INVALID, 'bad signature');
  if (expireAt !== 0 && expireAt < nowSeconds) return refuse(CODES.TOKEN_EXPIRED, 'expired');
  return { ok: true, grant };
}

export function tracksOf(options: { audio: boolean; video: boolean }): Tracks {
  if (options.audio && options.video) return 'av';
  if (options.audio) return 'a';
  if (options.video) return 'v';
  return 'none';
}
