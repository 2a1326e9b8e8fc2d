import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packContent, packMessage, unpackContent, unpackMessage, type TokenBody } from '../../src/token/format.js';

const body: TokenBody = {
  nonce: -5,
  issuedAt: 1_700_000_000,
  expireAt: 0,
  roomId: 'room-ü',
  userId: 'u1',
  privileges: new Map([
    [0, 0],
    [2, 1_800_000_000],
  ]),
};

describe('token byte layout, read back', () => {
  it('reads back what it packs, for any fields', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff })), {
          selector: (t) => t[0],
          maxLength: 6,
        }),
        (n, roomId, userId, privs) => {
          const b: TokenBody = { nonce: n, issuedAt: n, expireAt: n, roomId, userId, privileges: new Map(privs) };
          // Lone surrogates do not survive UTF-8; the packer writes U+FFFD for them.
          const canon = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
          const back = unpackMessage(packMessage(b));
          expect(back).toEqual({ ...b, roomId: canon(roomId), userId: canon(userId), privileges: new Map([...privs].sort((x, y) => x[0] - y[0])) });
        },
      ),
    );
  });

  it('refuses every truncation and every extension of a message, and of a content', () => {
    const msg = packMessage(body);
    for (let n = 0; n < msg.length; n++) expect(unpackMessage(msg.subarray(0, n))).toBeNull();
    expect(unpackMessage(Buffer.concat([msg, Buffer.from([0])]))).toBeNull();
    const content = packContent(msg, Buffer.alloc(32, 7));
    expect(unpackContent(content)).not.toBeNull();
    for (let n = 0; n < content.length; n++) expect(unpackContent(content.subarray(0, n))).toBeNull();
    expect(unpackContent(Buffer.concat([content, Buffer.from([0])]))).toBeNull();
  });

  it('refuses ids that are not UTF-8', () => {
    const msg = Buffer.from(packMessage({ ...body, roomId: 'ab' }));
    // roomId's bytes start after three 32-bit fields and its 16-bit length.
    msg[14] = 0xff;
    expect(unpackMessage(msg)).toBeNull();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        unpackMessage(b);
        unpackContent(b);
      }),
      { numRuns: 2000 },
    );
  });
});
