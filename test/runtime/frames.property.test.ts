// Whatever a server (or something pretending to be one) sends, parsing never throws and only
// well-formed frames get through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrame } from '../../src/runtime/signaling/frames.js';
import { asEventPayload, asJoinAnswer } from '../../src/runtime/payloads.js';

const anyJson = fc.jsonValue();
const frameLike = fc.record(
  {
    v: fc.oneof(fc.constant(1), anyJson),
    type: fc.oneof(fc.constantFrom('response', 'error', 'event', 'pong', 'ping', 'x'), anyJson),
    id: fc.oneof(fc.integer(), anyJson),
    ok: fc.oneof(fc.boolean(), anyJson),
    data: anyJson,
    error: fc.oneof(fc.record({ code: fc.integer(), reason: fc.string() }), anyJson),
    event: fc.oneof(fc.constantFrom('peer-online', 'stream-added', 'disconnect'), anyJson),
  },
  { requiredKeys: [] },
);

describe('incoming frames', () => {
  it('parseFrame never throws, on any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          anyJson.map((j) => JSON.stringify(j)),
          frameLike.map((f) => JSON.stringify(f)),
        ),
        (text) => {
          const r = parseFrame(text);
          expect('frame' in r || 'bad' in r).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('what parseFrame accepts has the protocol shape', () => {
    fc.assert(
      fc.property(frameLike, (f) => {
        const r = parseFrame(JSON.stringify(f));
        if (!('frame' in r)) return;
        const g = r.frame;
        expect(g.v).toBe(1);
        if (g.type === 'response') {
          expect(typeof g.id).toBe('number');
          if (!g.ok) expect(typeof g.error.code === 'number' && typeof g.error.reason === 'string').toBe(true);
        } else if (g.type === 'error') {
          expect(typeof g.error.code).toBe('number');
        } else if (g.type === 'event') {
          expect(typeof g.event).toBe('string');
        } else {
          expect(g.type).toBe('pong');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('event payload and join answer checks never throw and keep only fitting shapes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('peer-online', 'peer-leave', 'stream-added', 'stream-removed', 'disconnect', 'token-will-expire', 'anything'),
        anyJson,
        (name, data) => {
          const p = asEventPayload(name, data);
          if (p && name !== 'disconnect' && name !== 'token-will-expire') expect(typeof p.uid).toBe('string');
          if (p && name === 'stream-added') expect(typeof p.streamPublishState).toBe('object');
          if (p && name === 'disconnect') expect(typeof p.code).toBe('number');
          const j = asJoinAnswer(data);
          if (j) expect(Array.isArray(j.peers) && Array.isArray(j.streams)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
