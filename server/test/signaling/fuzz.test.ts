import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APP_ID, RawClient, token } from '../support/client.js';
import { serve } from '../support/server.js';

// Random frames, well-formed or not, against a real server: each request id is answered exactly
// once, the socket stays usable, and another member of the room keeps being served.

const types = [
  'join',
  'leave',
  'publish',
  'unpublish',
  'subscribe',
  'unsubscribe',
  'muteLocal',
  'muteRemote',
  'setVisibility',
  'report',
  'resume',
  'updateToken',
  'nope',
  '',
];
const value = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.constantFrom('alice', 'bob', 'carol', 'room1', APP_ID, true, false),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const body = fc.record(
  {
    type: fc.constantFrom(...types),
    appId: value,
    token: fc.oneof(value, fc.constant(token('room1', 'carol'))),
    roomId: value,
    userId: value,
    screen: value,
    audio: value,
    video: value,
    visible: value,
    businessId: value,
    items: value,
    sessionId: fc.oneof(value, fc.uuid()),
    resumeToken: value,
    lastSeq: fc.oneof(value, fc.nat(), fc.constant(-1), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
    v: fc.oneof(fc.constant(1), value),
  },
  { requiredKeys: ['type'] },
);
const frame = fc.oneof(
  { weight: 6, arbitrary: fc.record({ body, withId: fc.boolean() }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 50 }).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((j) => ({ raw: JSON.stringify(j) ?? 'null' })) },
);

describe('fuzzed frames', () => {
  it('never go unanswered or break the server', async () => {
    const { url } = await serve({ joinRateLimit: { max: 1e9, windowMs: 1000 } });
    const bob = await RawClient.connect(url);
    await bob.join('room1', 'bob');
    await bob.request('publish', { screen: false });
    let nextId = 1000;

    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 15 }), async (joinFirst, frames) => {
        const c = await RawClient.connect(url);
        // Half the runs throw the frames at a socket that is in the room (with bob).
        if (joinFirst) expect((await c.join('room1', 'carol')).ok).toBe(true);
        const before = c.frames.length;
        const expected: number[] = [];
        for (const f of frames) {
          if ('raw' in f) {
            c.sendRaw(f.raw);
          } else {
            const out: Record<string, unknown> = { ...f.body };
            if (f.withId) {
              out.id = nextId++;
              if (out.type !== 'ping') expected.push(out.id as number);
            } else delete out.id;
            c.sendRaw(JSON.stringify(out));
          }
        }
        // Pongs are not queued behind requests, so wait for the answers themselves, then make
        // sure nothing more arrives.
        await Promise.all(expected.map((id) => c.waitFor((x) => x.type === 'response' && x.id === id)));
        await c.sync();
        const answered = c.frames
          .slice(before)
          .filter((x) => x.type === 'response')
          .map((x) => x.id);
        expect(answered).toEqual(expected);
        expect(c.closed).toBeNull();
        c.ws.terminate();
        // The other member is still served.
        expect((await bob.request('muteLocal', { audio: false, video: false })).ok).toBe(true);
      }),
      { numRuns: 60, timeout: 5000 },
    );
  });
});
