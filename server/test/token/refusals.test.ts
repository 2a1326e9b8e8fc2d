import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { Privileges, checkPrivilege, generateToken, verifyToken } from '../../src/token/index.js';

const appId = '5f3c1a2b9d8e7f6a5b4c3d2e';
const appKey = 'k3y-One';
const now = 1_764_000_100;

function mint(over: Partial<Parameters<typeof generateToken>[0]> = {}): string {
  return generateToken({
    appId,
    appKey,
    roomId: 'room_01',
    userId: 'alice',
    nonce: 7,
    issuedAt: 1_764_000_000,
    expireAt: now + 3600,
    publishExpireAt: now + 3600,
    subscribeExpireAt: 0,
    ...over,
  });
}

const expected = { appKey, appId, roomId: 'room_01', userId: 'alice', now };
const prefix = 3 + 24;

describe('verifyToken refusals', () => {
  it('accepts the untouched token', () => {
    expect(verifyToken(mint(), expected).ok).toBe(true);
  });

  it('refuses every single-byte change of the content as TOKEN_INVALID', () => {
    const token = mint();
    const content = Buffer.from(token.slice(prefix), 'base64');
    for (let i = 0; i < content.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(content);
        copy[i] = copy[i]! ^ mask;
        const r = verifyToken(token.slice(0, prefix) + copy.toString('base64'), expected);
        expect(r.ok, `byte ${i} ^ ${mask}`).toBe(false);
        if (!r.ok) expect(r.code).toBe(CODES.TOKEN_INVALID);
      }
    }
  });

  it('refuses every single-character change of the base64 text', () => {
    const token = mint();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let i = prefix; i < token.length; i++) {
      if (token[i] === '=') continue;
      const other = alphabet[(alphabet.indexOf(token[i]!) + 1) % 64]!;
      const r = verifyToken(token.slice(0, i) + other + token.slice(i + 1), expected);
      expect(r.ok, `char ${i}`).toBe(false);
    }
  });

  it('refuses truncated, extended and garbage tokens as TOKEN_INVALID', () => {
    const token = mint();
    const content = Buffer.from(token.slice(prefix), 'base64');
    const bad: unknown[] = [
      '',
      '001',
      token.slice(0, -4),
      token.slice(0, prefix) + Buffer.concat([content, Buffer.from([0])]).toString('base64'),
      token.slice(0, prefix) + content.subarray(0, content.length - 1).toString('base64'),
      '002' + token.slice(3),
      token + '!!',
      'x'.repeat(10_000),
      42,
      null,
      undefined,
      { token },
    ];
    for (const [i, b] of bad.entries()) {
      const r = verifyToken(b, expected);
      expect(r.ok, `case ${i}`).toBe(false);
      if (!r.ok) expect(r.code).toBe(CODES.TOKEN_INVALID);
    }
  });

  it('refuses a token whose base64 lost its padding', () => {
    const padded = [0, 1, 2, 3].map((n) => mint({ nonce: n, userId: 'alice'.slice(0, 1 + n) })).find((t) => t.endsWith('='));
    expect(padded).toBeDefined();
    const r = verifyToken(padded!.replace(/=+$/, ''), { ...expected, userId: undefined });
    expect(r).toMatchObject({ ok: false, code: CODES.TOKEN_INVALID });
  });

  it('refuses a token signed with another key as TOKEN_INVALID', () => {
    const r = verifyToken(mint({ appKey: 'other key' }), expected);
    expect(r).toMatchObject({ ok: false, code: CODES.TOKEN_INVALID });
  });

  it('refuses an expired token as TOKEN_EXPIRED, and accepts expireAt 0 forever', () => {
    expect(verifyToken(mint({ expireAt: now - 1 }), expected)).toMatchObject({ ok: false, code: CODES.TOKEN_EXPIRED });
    expect(verifyToken(mint({ expireAt: 0 }), { ...expected, now: 2_147_000_000 }).ok).toBe(true);
  });

  it('refuses wrong app, room and user as TOKEN_MISMATCH', () => {
    const otherApp = generateToken({ appId: 'aaaaaaaaaaaaaaaaaaaaaaaa', appKey, roomId: 'room_01', userId: 'alice', expireAt: 0 });
    expect(verifyToken(otherApp, expected)).toMatchObject({ ok: false, code: CODES.TOKEN_MISMATCH });
    expect(verifyToken(mint({ roomId: 'room_02' }), expected)).toMatchObject({ ok: false, code: CODES.TOKEN_MISMATCH });
    expect(verifyToken(mint({ userId: 'bob' }), expected)).toMatchObject({ ok: false, code: CODES.TOKEN_MISMATCH });
  });

  it('gives the four refusals four distinct codes', () => {
    const codes = new Set([CODES.TOKEN_INVALID, CODES.TOKEN_EXPIRED, CODES.TOKEN_MISMATCH, CODES.NO_PUBLISH_PRIVILEGE]);
    expect(codes.size).toBe(4);
  });
});

describe('checkPrivilege', () => {
  function privileges(token: string) {
    const r = verifyToken(token, expected);
    if (!r.ok) throw new Error(r.reason);
    return r.token.privileges;
  }

  it('allows granted, unexpired privileges and never-expiring ones', () => {
    const p = privileges(mint());
    expect(checkPrivilege(p, Privileges.PublishStream, now)).toBeNull();
    expect(checkPrivilege(p, Privileges.SubscribeStream, now + 10_000_000)).toBeNull();
  });

  it('reports a missing privilege with its own code', () => {
    const p = privileges(mint({ publishExpireAt: null, subscribeExpireAt: null }));
    expect(checkPrivilege(p, Privileges.PublishStream, now)?.code).toBe(CODES.NO_PUBLISH_PRIVILEGE);
    expect(checkPrivilege(p, Privileges.SubscribeStream, now)?.code).toBe(CODES.NO_SUBSCRIBE_PRIVILEGE);
  });

  it('reports an expired privilege as TOKEN_EXPIRED though the token is still valid', () => {
    const p = privileges(mint({ publishExpireAt: now + 10, subscribeExpireAt: now + 20 }));
    expect(checkPrivilege(p, Privileges.PublishStream, now + 11)?.code).toBe(CODES.TOKEN_EXPIRED);
    expect(checkPrivilege(p, Privileges.SubscribeStream, now + 11)).toBeNull();
    expect(checkPrivilege(p, Privileges.SubscribeStream, now + 21)?.code).toBe(CODES.TOKEN_EXPIRED);
  });
});

describe('generateToken input checks', () => {
  it('throws on an appId that is not 24 characters and on out-of-range numbers', () => {
    expect(() => mint({ appId: 'short' })).toThrow(TypeError);
    expect(() => mint({ expireAt: 2 ** 33 })).toThrow(RangeError);
    expect(() => mint({ nonce: 1.5 })).toThrow(RangeError);
  });
});
