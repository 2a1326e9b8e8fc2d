import { describe, expect, it } from 'vitest';
import { newNonce, signGrant, verifyGrant, type Grant } from '../../src/media/signing.js';
import { CODES } from '../../src/codes.js';

const SECRET = 'unit-secret-0123456789';
const path = { app: 'app', stream: 'room_suser_smain' };
const NOW = 1_800_000_000;
const push: Grant = { purpose: 'push', path, expireAt: NOW + 60, nonce: newNonce() };
const play: Grant = { purpose: 'play', path, subscriber: 'viewer@1', tracks: 'v', expireAt: NOW + 60, nonce: newNonce() };
const query = (grant: Grant, secret = SECRET) => Object.fromEntries(new URLSearchParams(signGrant(secret, grant)));

describe('signed media grants', () => {
  it('accepts a grant for its own purpose and path', () => {
    expect(verifyGrant(SECRET, 'push', path, query(push), NOW)).toEqual({ ok: true, grant: push });
    expect(verifyGrant(SECRET, 'play', path, query(play), NOW)).toEqual({ ok: true, grant: play });
  });

  it('never accepts a play grant as a push grant or the reverse', () => {
    expect(verifyGrant(SECRET, 'push', path, query(play), NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'play', path, { ...query(push), u: 'viewer@1', m: 'v' }, NOW).ok).toBe(false);
  });

  it('binds the path, subscriber, tracks, expiry, nonce and secret', () => {
    expect(verifyGrant(SECRET, 'push', { ...path, stream: 'room_sother_smain' }, query(push), NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'push', { ...path, app: 'app2' }, query(push), NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'play', path, { ...query(play), u: 'viewer@2' }, NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'play', path, { ...query(play), m: 'av' }, NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'push', path, { ...query(push), e: String(NOW + 6000) }, NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'push', path, { ...query(push), n: newNonce() }, NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'push', path, query(push, 'another-secret-0123456'), NOW).ok).toBe(false);
  });

  it('refuses expired grants; expiry 0 never expires', () => {
    expect(verifyGrant(SECRET, 'push', path, query(push), NOW + 61)).toEqual({ ok: false, code: CODES.TOKEN_EXPIRED, reason: 'expired' });
    const forever: Grant = { ...push, expireAt: 0 };
    expect(verifyGrant(SECRET, 'push', path, query(forever), NOW + 10 ** 8).ok).toBe(true);
  });

  it('answers malformed queries with a refusal, never a throw', () => {
    const good = query(push);
    const bad: Array<Record<string, string | string[] | undefined>> = [
      {},
      { ...good, sig: undefined },
      { ...good, sig: [good.sig!, good.sig!] },
      { ...good, sig: 'short' },
      { ...good, e: '-5' },
      { ...good, e: '1e9' },
      { ...good, n: '../../etc' },
      { ...query(play), m: 'everything' },
    ];
    for (const q of bad) expect(verifyGrant(SECRET, 'push', path, q, NOW).ok).toBe(false);
    expect(verifyGrant(SECRET, 'play', path, { ...query(play), u: undefined }, NOW).ok).toBe(false);
  });
});
