// StableMap against a Map, at random (fast-check): keys set, set again, deleted and set again,
// few keys (each churns many times) or many (all in first, then more deletes than sets, so the
// deleted keys it holds outnumber the live ones and are rebuilt away). It must answer as the Map
// does after every step, and iterate in the same order. Also deleting during a walk of values(),
// as a Map allows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StableMap } from '../../src/rooms/stable-map.js';

type Op = { kind: 'set'; key: number; value: number } | { kind: 'delete'; key: number } | { kind: 'clear' };

const op = (keys: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.noBias(fc.nat({ max: keys - 1 })), value: fc.integer() }) },
    { weight: 14, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.noBias(fc.nat({ max: keys - 1 })) }) },
    // With few keys, now and then a clear starts over (and drops the deleted keys held).
    { weight: keys > 10 ? 0 : 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  );

const view = (x: StableMap<number> | Map<string, number>, keys: number) => ({
  size: x.size,
  entries: [...x.entries()],
  iterated: [...x],
  keys: [...x.keys()],
  values: [...x.values()],
  looked: Array.from({ length: keys }, (_, k) => [x.get(`k${k}`), x.has(`k${k}`)]),
});

function same(s: StableMap<number>, m: Map<string, number>, keys: number): void {
  expect(view(s, keys)).toEqual(view(m, keys));
}

describe('StableMap', () => {
  for (const keys of [3, 150]) {
    it(`answers and iterates as a Map does, through sets, deletes and sets again of ${keys} keys`, () => {
      fc.assert(
        fc.property(fc.array(op(keys), { minLength: 1, maxLength: 500, size: 'max' }), (list) => {
          const s = new StableMap<number>();
          const m = new Map<string, number>();
          // Many keys: all in first, so that deletes soon leave more deleted keys held than live ones.
          const fill: Op[] = keys > 10 ? Array.from({ length: keys }, (_, key) => ({ kind: 'set', key, value: key })) : [];
          [...fill, ...list].forEach((o, i) => {
            if (o.kind === 'set') {
              expect(s.set(`k${o.key}`, o.value)).toBe(s);
              m.set(`k${o.key}`, o.value);
            } else if (o.kind === 'delete') expect(s.delete(`k${o.key}`)).toBe(m.delete(`k${o.key}`));
            else {
              s.clear();
              m.clear();
            }
            const k = o.kind === 'clear' ? 'k0' : `k${o.key}`;
            expect([s.size, s.get(k), s.has(k)]).toEqual([m.size, m.get(k), m.has(k)]);
            if (i % 50 === 0) same(s, m, keys);
          });
          same(s, m, keys);
        }),
        // Long sequences take minutes to shrink: a failure is reported as found (its seed replays it).
        { numRuns: 30, endOnFailure: true },
      );
    });
  }

  it('starts from entries, and lets a walk of values() delete what it passes', () => {
    const entries = Array.from({ length: 200 }, (_, i) => [`k${i}`, i] as const);
    const s = new StableMap<number>(entries);
    const m = new Map<string, number>(entries);
    same(s, m, 200);
    // Two of every three go while walking, past the point where held deleted keys are rebuilt away.
    const seen: number[] = [];
    for (const v of s.values()) {
      seen.push(v);
      if (v % 3 !== 1) {
        s.delete(`k${v}`);
        m.delete(`k${v}`);
      }
    }
    expect(seen).toEqual(entries.map(([, v]) => v));
    same(s, m, 200);
    // Back in again: at the end, as a Map puts them.
    for (let v = 0; v < 200; v += 2) {
      s.set(`k${v}`, -v);
      m.set(`k${v}`, -v);
    }
    same(s, m, 200);
  });
});
