// The cheap checks that run on raw bytes before a frame is parsed, the client address behind a
// proxy, and the limiters: unit tests with fake clocks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrustProxy, clientAddress, limitKey } from '../../src/signaling/client-address.js';
import { depthWithin, peekId } from '../../src/signaling/frame-guard.js';
import { RateLimiter, SocketCounter, debtMs, refilled } from '../../src/signaling/rate-limit.js';

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

  it('agrees with JSON.parse when strings hold quotes, backslashes, brackets and any Unicode', () => {
    // Strings built from the characters that could fool a byte scan (escapes, brackets, multi-byte).
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'é', '中', '😀', '\u0000', 'a', '\n') });
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(tricky, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 8 }), (v, max) => {
        expect(depthWithin(b(JSON.stringify(v)), max)).toBe(depthOf(v) <= max);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.integer({ min: 0, max: 40 }), (bytes, max) => {
        expect(typeof depthWithin(bytes, max)).toBe('boolean');
        const id = peekId(bytes);
        expect(id === null || Number.isSafeInteger(id)).toBe(true);
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
    // A number that goes on is not the id it starts with: 5.5 and 5e3 are not 5 (nor 05 anything).
    const pad = ',"pad":"' + 'x'.repeat(1000) + '"}';
    expect(peekId(b('{"id":5.5' + pad))).toBeNull();
    expect(peekId(b('{"id":5e3' + pad))).toBeNull();
    expect(peekId(b('{"id":5E3' + pad))).toBeNull();
    expect(peekId(b('{"id":05' + pad))).toBeNull();
    expect(peekId(b('{"v":1,"id":05}'))).toBeNull();
    // Every safe integer is an id the server accepts, so it is found; past that, none.
    expect(peekId(b('{"id":9007199254740991' + pad))).toBe(Number.MAX_SAFE_INTEGER);
    expect(peekId(b('{"pad":"x","id":9007199254740991}'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(peekId(b('{"id":9007199254740992' + pad))).toBeNull();
    expect(peekId(b('{"pad":"x","id":9007199254740992}'))).toBeNull();
    expect(peekId(b('{"id":0' + pad))).toBe(0);
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

  // Any JSON value as the id (numbers of every kind), at any place among the keys, with padding
  // that pushes it in or out of the head: a refusal is answered on the frame's own id or on none.
  it("never names an id other than the frame's own, whatever the id value and where it sits", () => {
    const idValue = fc.oneof(
      fc.nat(),
      fc.maxSafeNat(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 4 }),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 4 }).filter((k) => k !== 'id'),
          fc.jsonValue({ maxDepth: 2 }),
          { maxKeys: 4 },
        ),
        idValue,
        fc.nat({ max: 4 }),
        fc.nat({ max: 600 }),
        (o, id, at, padLength) => {
          const entries: [string, unknown][] = Object.entries({ ...o, pad: 'p'.repeat(padLength) });
          entries.splice(Math.min(at, entries.length), 0, ['id', id]);
          const text = '{' + entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',') + '}';
          const parsed = JSON.parse(text) as { id: unknown };
          const got = peekId(b(text));
          if (got !== null) expect(got).toBe(parsed.id);
        },
      ),
    );
  });

  it('finds the id of every frame the SDK writes (id last), whatever its size', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), fc.maxSafeNat(), (type, data, id) => {
        expect(peekId(b(JSON.stringify({ type, data, v: 1, id })))).toBe(id);
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

  it('property: an IPv6 address has one /64 key however it is written (full or compressed)', () => {
    const full = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
    const compressed = (g: number[]): string => new URL(`http://[${full(g)}]/`).hostname.slice(1, -1);
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (g) => {
        const key = `${g
          .slice(0, 4)
          .map((x) => x.toString(16))
          .join(':')}::/64`;
        expect(limitKey(full(g))).toBe(key);
        expect(limitKey(compressed(g))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("property: untrusted, whatever X-Forwarded-For says, the address is the socket's", () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    fc.assert(
      fc.property(
        v4,
        fc.option(
          fc.oneof(
            fc.string(),
            fc.array(v4).map((a) => a.join(', ')),
          ),
        ),
        fc.constantFrom(false, 0),
        (peer, xff, trust) => {
          expect(clientAddress(peer, xff ?? undefined, trust)).toBe(peer);
          expect(clientAddress(`::ffff:${peer}`, xff ?? undefined, trust)).toBe(peer);
        },
      ),
    );
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

  it('token buckets (refilled, debtMs): a burst, then the refill rate', () => {
    // A bucket of burst 3 refilled at 10 per second, taken from one token at a time.
    let tokens = 3;
    let last = 0;
    const take = (now: number): boolean => {
      tokens = refilled(tokens, now - last, 10, 3);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    // one token back after 100 ms
    expect([take(100), take(100)]).toEqual([true, false]);
    // never more than the burst
    expect([take(100_000), take(100_000), take(100_000), take(100_000)]).toEqual([true, true, true, false]);
    // spent past empty: the debt is paid back at the refill rate
    expect(debtMs(0, 10)).toBe(0);
    expect(debtMs(-2.5, 10)).toBe(250);
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
