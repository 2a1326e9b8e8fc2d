// The external relay's stream names: the whole key under one relay app. Property tests: only
// characters relays accept, and two different keys never share a name (ids drawn from the
// characters the escaping itself uses, where a collision would show first).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { externalPath } from '../../src/media/external/names.js';
import type { StreamKey } from '../../src/media/plane.js';

const RELAY_NAME = /^[a-zA-Z0-9_-]+$/;
const tricky = fc.constantFrom('_', 's', 'a', 'd', 'x', 'e', 'u', '@', '.', '0', '-', 'é', '\ud800');
const anyId = fc.oneof(fc.string({ unit: tricky, maxLength: 8 }), fc.string({ maxLength: 8 }));
const anyKey: fc.Arbitrary<StreamKey> = fc.record({ appId: anyId, roomId: anyId, userId: anyId, screen: fc.boolean() });
const sameKey = (a: StreamKey, b: StreamKey) => a.appId === b.appId && a.roomId === b.roomId && a.userId === b.userId && a.screen === b.screen;

describe('external relay names', () => {
  it('puts the app id first in the stream name, under the configured app', () => {
    expect(externalPath('live', { appId: 'app@x', roomId: 'r.1', userId: 'u_1', screen: false })).toEqual({
      app: 'live',
      stream: 'app_ax_sr_d1_su__1_smain',
    });
  });

  it('only produces names the relay accepts', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(externalPath('live', key).stream).toMatch(RELAY_NAME);
      }),
    );
  });

  it('never gives two keys one name', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        if (sameKey(a, b)) return;
        expect(externalPath('live', a).stream).not.toBe(externalPath('live', b).stream);
      }),
      { numRuns: 20_000 },
    );
    // Field boundaries that a naive join would confuse.
    const keys: StreamKey[] = [
      { appId: 'a_s', roomId: 'b', userId: 'c', screen: false },
      { appId: 'a', roomId: 's_b', userId: 'c', screen: false },
      { appId: 'a', roomId: '_sb', userId: 'c', screen: false },
      { appId: 'a_sb', roomId: '', userId: 'c', screen: false },
    ];
    const names = new Set(keys.map((k) => externalPath('live', k).stream));
    expect(names.size).toBe(keys.length);
  });
});
