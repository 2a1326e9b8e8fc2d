// The shared event body and the session ring: the frames are byte for byte what serializing each
// event whole would give, and the ring keeps exactly the last `size` of them across wrap-around.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@mprtc/protocol';
import { EventRing, eventBody, frameOf } from '../../src/signaling/event-ring.js';

const whole = (event: string, data: unknown, seq: number) => JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event, data, seq });

describe('event frames built from a shared body', () => {
  it('equal the whole-frame serialization, with and without data', () => {
    for (const data of [{ uid: 'a"b\\c', screen: false }, undefined, null, [1, { x: 'é' }], 'text', 0]) {
      expect(frameOf(eventBody('peer-online', data), 7)).toBe(whole('peer-online', data, 7));
    }
  });
});

describe('EventRing', () => {
  it('numbers events from 1 and replays those after lastSeq', () => {
    const r = new EventRing(4);
    expect(r.seq).toBe(0);
    expect(r.oldest).toBe(1);
    expect(r.framesAfter(0)).toEqual([]);
    const bodies = ['a', 'b', 'c'].map((e) => eventBody(e, { n: e }));
    expect(bodies.map((b) => r.push(b))).toEqual([1, 2, 3]);
    expect(r.framesAfter(1)).toEqual([whole('b', { n: 'b' }, 2), whole('c', { n: 'c' }, 3)]);
    expect(r.framesAfter(3)).toEqual([]);
  });

  it('grows its array while filling, then wraps around keeping the last `size`', () => {
    const r = new EventRing(20);
    for (let i = 1; i <= 45; i++) {
      r.push(eventBody('e', i));
      const from = Math.max(0, i - 20);
      expect(r.framesAfter(from)).toEqual(Array.from({ length: i - from }, (_, k) => whole('e', from + k + 1, from + k + 1)));
    }
    expect(r.oldest).toBe(26);
  });

  it('keeps the last `size` events across wrap-around, oldest first', () => {
    const r = new EventRing(3);
    for (let i = 1; i <= 10; i++) r.push(eventBody('e', i));
    expect(r.seq).toBe(10);
    expect(r.oldest).toBe(8);
    expect(r.framesAfter(7)).toEqual([8, 9, 10].map((i) => whole('e', i, i)));
    expect(r.framesAfter(9)).toEqual([whole('e', 10, 10)]);
  });
});
