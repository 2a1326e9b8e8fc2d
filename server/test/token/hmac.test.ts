import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../src/token/verify.js';

describe('hmacSha256 (prepared pads)', () => {
  it("equals node:crypto's HMAC-SHA256 for any key and message, keys longer than a block included", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 600 }), (key, msg) => {
        const m = Buffer.from(msg);
        expect(hmacSha256(key, m).equals(createHmac('sha256', Buffer.from(key, 'utf8')).update(m).digest())).toBe(true);
      }),
      { numRuns: 500 },
    );
    for (const key of ['', 'k', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'ü'.repeat(40)]) {
      const m = Buffer.from('message');
      expect(hmacSha256(key, m).toString('hex')).toBe(createHmac('sha256', Buffer.from(key, 'utf8')).update(m).digest('hex'));
    }
  });
});
