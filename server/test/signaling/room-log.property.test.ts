// The room log against a model, at random (fast-check): sessions join and leave two rooms, room
// events reach random subsets (one entry each), direct events one session, bursts push entries
// out of the log; resumes from any point of what a session was sent. A resume must replay exactly
// the frames sent to the session after its lastSeq, never one sent to someone else, and is refused
// exactly when one of them is gone from the log; every recipient of one event is sent the same
// string, and each session's numbers increase.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { SessionRegistry, type Attachment, type TakeResult } from '../../src/signaling/sessions.js';

const LOG = 512;
const ROOMS = [
  { appId: 'app', roomId: 'r0' },
  { appId: 'app', roomId: 'r1' },
];

type Op =
  | { kind: 'join'; room: number }
  | { kind: 'leave'; who: number }
  | { kind: 'event'; who: number; mask: number }
  | { kind: 'again'; mask: number }
  | { kind: 'direct'; who: number }
  | { kind: 'burst'; who: number; n: number }
  | { kind: 'resume'; who: number; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('join' as const), room: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('event' as const), who: fc.nat(), mask: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('again' as const), mask: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('direct' as const), who: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), who: fc.nat(), n: fc.integer({ min: 100, max: 600 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('resume' as const), who: fc.nat(), at: fc.nat() }) },
);
/** A few sessions first, then anything. */
const ops = fc
  .tuple(
    fc.array(fc.record({ kind: fc.constant('join' as const), room: fc.nat({ max: 1 }) }), { minLength: 2, maxLength: 8 }),
    fc.array(op, { minLength: 1, maxLength: 60 }),
  )
  .map(([joins, rest]): Op[] => [...joins, ...rest]);

interface Model {
  id: string;
  room: number;
  sent: { seq: number; frame: string }[];
}

function run(list: Op[]): void {
  const reg = new SessionRegistry(60_000, () => undefined);
  const live: Model[] = [];
  /** Highest seq of each room's log (every entry has a recipient); a room's log goes with its last session. */
  const top = [0, 0];
  const end = (m: Model) => {
    reg.remove(m.id);
    live.splice(live.indexOf(m), 1);
    if (!live.some((o) => o.room === m.room)) top[m.room] = 0;
  };
  let n = 0;
  const attach = (m: Model): Attachment => ({
    deliver: (frame) => {
      const seq = (JSON.parse(frame) as { seq: number }).seq;
      const last = m.sent.at(-1);
      expect(last === undefined || seq > last.seq).toBe(true);
      m.sent.push({ seq, frame });
      top[m.room] = Math.max(top[m.room]!, seq);
    },
    evict: () => undefined,
  });
  const pick = (who: number) => (live.length ? live[who % live.length]! : undefined);
  let data: unknown = undefined;
  /** One room event: the same data object to each recipient in turn, who all get one string. */
  const roomEvent = (to: Model[], i: number, again = false) => {
    if (!again || data === undefined) data = { n: i };
    for (const m of to) reg.event(m.id, 'mute-audio', data);
    if (!again) expect(new Set(to.map((m) => m.sent.at(-1)!.frame)).size).toBeLessThanOrEqual(1);
  };
  try {
    for (const o of list) {
      if (o.kind === 'join') {
        const m: Model = { id: `s${n++}`, room: o.room, sent: [] };
        reg.create(m.id, ROOMS[o.room]!, m.id, 0, attach(m));
        live.push(m);
      } else if (o.kind === 'leave') {
        const m = pick(o.who);
        if (!m) continue;
        end(m);
      } else if (o.kind === 'event') {
        const actor = pick(o.who);
        if (!actor) continue;
        const to = live.filter((m, i) => m !== actor && m.room === actor.room && (o.mask >> (i % 30)) & 1);
        roomEvent(to, n++);
      } else if (o.kind === 'again') {
        // The previous event's data object again (code that reused one): to anyone, even to
        // those who heard it already or who joined since. Each must still be a new number.
        roomEvent(
          live.filter((m, i) => (o.mask >> (i % 30)) & 1),
          n++,
          true,
        );
      } else if (o.kind === 'direct') {
        const m = pick(o.who);
        if (m) reg.event(m.id, 'token-will-expire', { expireAt: n++ });
      } else if (o.kind === 'burst') {
        const actor = pick(o.who);
        if (!actor) continue;
        const to = live.filter((m) => m !== actor && m.room === actor.room);
        for (let i = 0; i < o.n; i++) roomEvent(to, n++);
      } else {
        const m = pick(o.who);
        if (!m) continue;
        // The client received a prefix of what it was sent: it resumes from the last of those.
        const k = o.at % (m.sent.length + 1);
        const lastSeq = k === 0 ? 0 : m.sent[k - 1]!.seq;
        const missed = m.sent.slice(k);
        const oldest = Math.max(1, top[m.room]! - LOG + 1);
        const r = reg.take(m.id, reg.get(m.id)!.resumeToken, lastSeq, attach(m)) as TakeResult;
        if (r.ok) {
          // Exactly what it was sent after lastSeq: nothing gone, nothing of anyone else's.
          expect(r.replay).toEqual(missed.map((f) => f.frame));
          expect(missed.every((f) => f.seq >= oldest)).toBe(true);
        } else {
          // Refused only when something it was sent after lastSeq is gone from the log.
          expect(r.code).toBe(CODES.NOT_IN_ROOM);
          expect(missed.some((f) => f.seq < oldest)).toBe(true);
          // A refused client joins afresh: this session ends.
          end(m);
        }
      }
    }
  } finally {
    reg.dispose();
  }
}

describe('the room log against a model', () => {
  it('replays exactly what each session was sent after its lastSeq, or refuses when part of it is gone, and only then', () => {
    fc.assert(
      fc.property(ops, (list) => run(list)),
      {
        numRuns: 200,
        // Always among them: a slot reused by a new session that hears one event, then resumes from 0;
        examples: [
          [
            [
              { kind: 'join', room: 0 },
              { kind: 'join', room: 0 },
              { kind: 'event', who: 0, mask: 3 },
              { kind: 'leave', who: 1 },
              { kind: 'join', room: 0 },
              { kind: 'event', who: 0, mask: 3 },
              { kind: 'resume', who: 1, at: 0 },
            ],
          ],
          // And a session that heard nothing while 600 entries came and went, then one event it resumes for.
          [
            [
              { kind: 'join', room: 0 },
              { kind: 'join', room: 0 },
              { kind: 'event', who: 1, mask: 1 },
              { kind: 'burst', who: 0, n: 600 },
              { kind: 'event', who: 1, mask: 1 },
              { kind: 'resume', who: 0, at: 1 },
            ],
          ],
        ],
      },
    );
  });
});
