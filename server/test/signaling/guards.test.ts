// The cheap checks that run on raw bytes before a frame is parsed, the client address behind a
// proxy, and the limiters: unit tests with fake clocks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrustProxy, clientAddress, limitKey } from '../../src/signaling/client-address.js';
import { depthWithin, peekId } from '../../src/signaling/frame-guard.js';
import { RateLimiter, SocketCounter, TokenBucket } from '../../src/signaling/rate-limit.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The nesting depth JSON.parse sees, for comparison. */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const kids = Array.isArray(v) ? v : Object.values(v);
  return 1 + kids.reduce<number>((m, k) => Math.max(m, depthOf(k)), 0);
}

describe('depthWithin', () => {
  it('counts brackets outside strings only', () => {
    expect(depthWithin(b('{"a":[1,{"b":2}]}'), 3)).toBe(true);
    expect(depthWithin(b('{"a":[1,{"b":2}]}'), 2)).toBe(false);
    expect(depthWithin(b('{"a":"[[[[[[[[{{{{{"}'), 1)).toBe(true);
    expect(depthWithin(b('{"a":"\\"[[[["}'), 1)).toBe(true); // an escaped quote does not end the string
    expect(depthWithin(b('[]'.repeat(1000)), 1)).toBe(true);
    expect(depthWithin(b('['.repeat(100_000)), 32)).toBe(false);
  });

  it('agrees with JSON.parse on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (v, max) => {
        expect(depthWithin(b(JSON.stringify(v)), max)).toBe(depthOf(v) <= max);
      }),
    );
  });
});

describe('peekId', () => {
  it('finds a top-level id at the head or the tail, never a nested one', () => {
    expect(peekId(b('{"v":1,"id":42,"type":"report","pad":"' + 'x'.repeat(100_000) + '"}'))).toBe(42);
    expect(peekId(b('{"type":"report","pad":"' + 'x'.repeat(100_000) + '","v":1,"id":7}'))).toBe(7);
    expect(peekId(b('{ "id" : 3 }'))).toBe(3);
    expect(peekId(b('{"a":{"id":5},"pad":"' + 'x'.repeat(1000) + '"}'))).toBeNull();
    expect(peekId(b('{"a":{"id":5}}'))).toBeNull();
    expect(peekId(b('{"a":"id","b":1}'))).toBeNull();
    expect(peekId(b('{"a":"x\\"id\\":5}'))).toBeNull();
    expect(peekId(b('{"xid":5}'))).toBeNull();
    expect(peekId(b('{"id":-1}'))).toBeNull();
    expect(peekId(b('{"id":1234567890123456789}'))).toBeNull(); // not a safe integer
    expect(peekId(b('garbage'))).toBeNull();
    expect(peekId(b(''))).toBeNull();
  });

  it('never names an id the frame does not carry at the top level', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })), fc.option(fc.nat()), (o, id) => {
        const frame = id === null ? { ...o } : { ...o, id };
        if (id === null) delete (frame as Record<string, unknown>).id;
        const got = peekId(b(JSON.stringify(frame)));
        if (got !== null) expect(got).toBe((frame as { id?: unknown }).id);
      }),
    );
  });
});

describe('clientAddress', () => {
  const xff = '203.0.113.9, 198.51.100.7';
  it('ignores X-Forwarded-For unless trusted', () => {
    expect(clientAddress('10.0.0.1', xff, false)).toBe('10.0.0.1');
    expect(clientAddress('::ffff:10.0.0.1', xff, false)).toBe('10.0.0.1');
  });
  it('with hops, takes the address that many entries from the right', () => {
    expect(clientAddress('10.0.0.1', xff, true)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', xff, 2)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', xff, 5)).toBe('203.0.113.9'); // fewer hops than trusted: the leftmost
    expect(clientAddress('10.0.0.1', undefined, true)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', 'not an address', true)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', ['1.1.1.1', '2.2.2.2'], true)).toBe('2.2.2.2');
    // Ports some proxies append, and bracketed IPv6.
    expect(clientAddress('10.0.0.1', '198.51.100.7:51234', true)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '[2001:DB8::1]:443', true)).toBe('2001:db8::1');
    expect(clientAddress('10.0.0.1', '2001:db8::2', true)).toBe('2001:db8::2');
  });
  it('with a list, takes the rightmost address that is not a trusted proxy', () => {
    expect(clientAddress('10.0.0.1', xff, ['10.0.0.1'])).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', xff, ['10.0.0.1', '198.51.100.7'])).toBe('203.0.113.9');
    // A socket not from a trusted proxy: its own address, whatever the header says.
    expect(clientAddress('10.9.9.9', xff, ['10.0.0.1'])).toBe('10.9.9.9');
  });
  it('per-address limits count IPv6 by its /64', () => {
    expect(limitKey('198.51.100.7')).toBe('198.51.100.7');
    expect(limitKey('2001:db8:1:2:3:4:5:6')).toBe(limitKey('2001:db8:1:2::9'));
    expect(limitKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::9')).not.toBe(limitKey('2001:db8:1:2::9'));
    expect(limitKey('2001:0db8::1')).toBe('2001:db8:0:0::/64');
  });

  it('checks the configured value', () => {
    expect(checkTrustProxy(['::ffff:10.0.0.1'])).toEqual(['10.0.0.1']);
    expect(() => checkTrustProxy(['nope'])).toThrow(TypeError);
    expect(() => checkTrustProxy(-1)).toThrow(TypeError);
    expect(() => checkTrustProxy('yes')).toThrow(TypeError);
  });
});

describe('limiters', () => {
  it('RateLimiter: take counts, spent only looks', () => {
    let now = 0;
    const r = new RateLimiter(2, 1000, () => now);
    expect(r.spent('k')).toBe(false);
    expect(r.take('k')).toBe(true);
    expect(r.take('k')).toBe(true);
    expect(r.spent('k')).toBe(true);
    expect(r.take('k')).toBe(false);
    expect(r.spent('other')).toBe(false);
    now = 1000;
    expect(r.spent('k')).toBe(false);
    expect(r.take('k')).toBe(true);
  });

  it('TokenBucket: a burst, then the refill rate', () => {
    let now = 0;
    const t = new TokenBucket(10, 3, () => now);
    expect([t.take(), t.take(), t.take(), t.take()]).toEqual([true, true, true, false]);
    now = 100; // one token back
    expect([t.take(), t.take()]).toEqual([true, false]);
    now = 100_000; // never more than the burst
    expect([t.take(), t.take(), t.take(), t.take()]).toEqual([true, true, true, false]);
  });

  it('SocketCounter: per address and in total', () => {
    const c = new SocketCounter(2, 3);
    c.open('a');
    c.open('a');
    expect(c.refusal('a')).toMatch(/this address/);
    expect(c.refusal('b')).toBeNull();
    c.open('b');
    expect(c.refusal('c')).toMatch(/maximum/);
    c.closed('a');
    expect(c.refusal('a')).toBeNull();
  });
});
