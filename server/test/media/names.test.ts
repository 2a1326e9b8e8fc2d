import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeId, encodeId, parseRelayPath, pathId, relayPath } from '../../src/media/names.js';
import type { StreamKey } from '../../src/media/plane.js';

const RELAY_NAME = /^[a-zA-Z0-9_-]+$/;
const idChars = fc.constantFrom(...'aZ09_@.-'.split(''), 'é', '中', ' ', '/', '?', '%', '😀', '\ud800', '\udfff');
const anyId = fc.oneof(fc.string({ unit: idChars, maxLength: 12 }), fc.string({ maxLength: 12 }));
const anyKey: fc.Arbitrary<StreamKey> = fc.record({ appId: anyId, roomId: anyId, userId: anyId, screen: fc.boolean() });

describe('relay names', () => {
  it('keeps plain ids readable and escapes the rest', () => {
    expect(encodeId('room-1')).toBe('room-1');
    expect(encodeId('a_b')).toBe('a__b');
    expect(encodeId('u@x.y')).toBe('u_ax_dy');
    expect(encodeId('')).toBe('_e');
    expect(encodeId('é')).toBe('_xc3_xa9');
    expect(encodeId('\ud800')).not.toBe(encodeId('\udbff'));
    expect(relayPath({ appId: 'app', roomId: 'r.1', userId: 'u@2', screen: true })).toEqual({ app: 'app', stream: 'r_d1_su_a2_sscreen' });
  });

  it('only ever produces names the relay accepts', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const path = relayPath(key);
        expect(path.app).toMatch(RELAY_NAME);
        expect(path.stream).toMatch(RELAY_NAME);
      }),
    );
  });

  it('round-trips every key, so no two keys share a path', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(parseRelayPath(relayPath(key))).toEqual(key);
      }),
    );
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        const same = a.appId === b.appId && a.roomId === b.roomId && a.userId === b.userId && a.screen === b.screen;
        expect(pathId(relayPath(a)) === pathId(relayPath(b))).toBe(same);
      }),
    );
  });

  it('keeps apart ids that a naive join would merge', () => {
    const pairs: Array<[StreamKey, StreamKey]> = [
      [
        { appId: 'a', roomId: 'r_s', userId: 'u', screen: false },
        { appId: 'a', roomId: 'r', userId: 's_u', screen: false },
      ],
      [
        { appId: 'a', roomId: 'r-u', userId: 'x', screen: false },
        { appId: 'a', roomId: 'r', userId: 'u-x', screen: false },
      ],
      [
        { appId: 'a', roomId: 'r.', userId: 'x', screen: false },
        { appId: 'a', roomId: 'r_d', userId: 'x', screen: false },
      ],
      [
        { appId: 'a', roomId: 'r', userId: 'u_smain', screen: true },
        { appId: 'a', roomId: 'r', userId: 'u', screen: false },
      ],
    ];
    for (const [a, b] of pairs) expect(pathId(relayPath(a))).not.toBe(pathId(relayPath(b)));
  });

  it('rejects names it did not make', () => {
    for (const bad of ['', '_', '_z', '_x4', '_x41', '_xzz', 'a_', 'a b', '_e_e', '_xff', '_ud7ff', '_u0041', '_x41']) expect(decodeId(bad)).toBeNull();
    expect(parseRelayPath({ app: 'a', stream: 'r_su' })).toBeNull();
    expect(parseRelayPath({ app: 'a', stream: 'r_su_sother' })).toBeNull();
    expect(parseRelayPath({ app: 'a_sb', stream: 'r_su_smain' })).toBeNull();
  });
});
