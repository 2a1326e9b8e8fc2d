// The room's event log: frames are the whole-frame serialization, one string per room event
// whoever hears it; each session is replayed exactly the entries sent to it, across wrap-around,
// slot reuse and the growth of its arrays.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@mprtc/protocol';
import { RoomLog, eventFrame } from '../../src/signaling/room-log.js';

const whole = (event: string, data: unknown, seq: number) => JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event, data, seq });

/** A session as the registry keeps one: slot, start, last seq sent. */
function member(log: RoomLog) {
  const m = { slot: log.seat(), start: log.seq, sent: 0 };
  return {
    ...m,
    hear(event: string, data: unknown): string {
      const f = log.record(m.slot, Math.max(m.start, m.sent), event, data);
      m.sent = log.seq;
      return f;
    },
    get sent() {
      return m.sent;
    },
    replay(lastSeq: number): string[] {
      return log.framesFor(m.slot, Math.max(lastSeq, m.start) + 1, m.sent);
    },
  };
}

describe('event frames', () => {
  it('equal the whole-frame serialization, with and without data', () => {
    for (const data of [{ uid: 'a"b\\c', screen: false }, undefined, null, [1, { x: 'é' }], 'text', 0]) {
      expect(eventFrame('peer-online', data, 7)).toBe(whole('peer-online', data, 7));
    }
  });
});

describe('RoomLog', () => {
  it('one room event is one entry: every recipient gets the very same string and seq', () => {
    const log = new RoomLog(8);
    const [a, b, c] = [member(log), member(log), member(log)];
    const data = { uid: 'c', screen: false };
    const fa = a.hear('mute-audio', data);
    const fb = b.hear('mute-audio', data);
    expect(fb).toBe(fa);
    expect(fa).toBe(whole('mute-audio', data, 1));
    expect(log.seq).toBe(1);
    // An equal but different data object is a different event.
    expect(c.hear('mute-audio', { ...data })).toBe(whole('mute-audio', data, 2));
  });

  it('numbers increase per session with gaps; a resume replays exactly what the session was sent', () => {
    const log = new RoomLog(16);
    const [a, b, c] = [member(log), member(log), member(log)];
    // b acts: a and c hear it. a acts: b and c. c acts: a and b.
    const by = (actor: string, others: ReturnType<typeof member>[]) => {
      const d = { uid: actor };
      for (const o of others) o.hear('mute-audio', d);
    };
    by('b', [a, c]);
    by('a', [b, c]);
    by('c', [a, b]);
    by('b', [a, c]);
    expect(log.seq).toBe(4);
    expect(a.replay(0)).toEqual([whole('mute-audio', { uid: 'b' }, 1), whole('mute-audio', { uid: 'c' }, 3), whole('mute-audio', { uid: 'b' }, 4)]);
    expect(b.replay(0)).toEqual([whole('mute-audio', { uid: 'a' }, 2), whole('mute-audio', { uid: 'c' }, 3)]);
    expect(b.sent).toBe(3);
    expect(c.replay(1)).toEqual([whole('mute-audio', { uid: 'a' }, 2), whole('mute-audio', { uid: 'b' }, 4)]);
    // The actor is never replayed its own event.
    expect(a.replay(0).some((f) => f.includes('"uid":"a"'))).toBe(false);
  });

  it('a session that joined after an event is not replayed it, even when the newest entry is that event object', () => {
    const log = new RoomLog(8);
    const a = member(log);
    const data = { uid: 'x' };
    a.hear('peer-online', data);
    const late = member(log);
    // The same object handed to the late member makes a new entry, after its start.
    expect(late.hear('peer-online', data)).toBe(whole('peer-online', data, 2));
    expect(late.replay(0)).toEqual([whole('peer-online', data, 2)]);
    const later = member(log);
    a.hear('stream-added', { uid: 'y' });
    expect(later.replay(0)).toEqual([]);
  });

  it('the same event object sent twice to one session is two entries', () => {
    const log = new RoomLog(8);
    const a = member(log);
    const data = { expireAt: 1 };
    a.hear('token-will-expire', data);
    a.hear('token-will-expire', data);
    expect(a.replay(0)).toEqual([whole('token-will-expire', data, 1), whole('token-will-expire', data, 2)]);
  });

  it('a slot reused by a newer session does not replay the older one`s events', () => {
    const log = new RoomLog(8);
    const a = member(log);
    const b = member(log);
    b.hear('peer-online', { uid: 'z' });
    b.hear('mute-audio', { uid: 'z' });
    expect(log.unseat(b.slot)).toBe(false);
    const c = member(log);
    expect(c.slot).toBe(b.slot);
    expect(c.replay(0)).toEqual([]);
    a.hear('mute-video', { uid: 'z' });
    c.hear('unmute-audio', { uid: 'z' });
    expect(c.replay(0)).toEqual([whole('unmute-audio', { uid: 'z' }, 4)]);
    expect(log.unseat(a.slot)).toBe(false);
    expect(log.unseat(c.slot)).toBe(true);
  });

  it('keeps the last `size` entries across wrap-around, and the bitmaps of each', () => {
    const log = new RoomLog(5);
    const [a, b] = [member(log), member(log)];
    for (let i = 1; i <= 13; i++) (i % 3 === 0 ? b : a).hear('e', i);
    expect(log.seq).toBe(13);
    expect(log.oldest).toBe(9);
    expect(a.replay(8)).toEqual([10, 11, 13].map((i) => whole('e', i, i)));
    expect(b.replay(8)).toEqual([whole('e', 9, 9), whole('e', 12, 12)]);
    expect(b.replay(12)).toEqual([]);
  });

  it('remembers, per slot, the last entry it heard that left the log', () => {
    const log = new RoomLog(4);
    const [a, b] = [member(log), member(log)];
    a.hear('e', 1);
    for (let i = 2; i <= 6; i++) b.hear('e', i);
    // Entries 1 and 2 are gone: 1 was a's, 2 was b's.
    expect(log.oldest).toBe(3);
    expect(log.goneSince(a.slot, 1)).toBe(true);
    expect(log.goneSince(a.slot, 2)).toBe(false);
    expect(log.goneSince(b.slot, 2)).toBe(true);
    expect(log.goneSince(b.slot, 3)).toBe(false);
    // a heard nothing since 1: a resume from 1 replays nothing and needs nothing gone.
    a.hear('e', 7);
    expect(a.replay(1)).toEqual([whole('e', 7, 7)]);
  });

  it('grows its entries and its slots while filled, keeping every bit', () => {
    const log = new RoomLog(100);
    const members: ReturnType<typeof member>[] = [];
    const heard = new Map<number, string[]>();
    // 70 members arriving one per event (the rows widen at 32 and 64 slots), each event to every
    // member whose slot is not a multiple of the event's number.
    for (let i = 1; i <= 70; i++) {
      members.push(member(log));
      const d = { n: i };
      for (const m of members) {
        if (m.slot % i === 0 && i > 1) continue;
        m.hear('e', d);
        const h = heard.get(m.slot) ?? [];
        h.push(whole('e', d, log.seq));
        heard.set(m.slot, h);
      }
    }
    expect(log.seq).toBe(70);
    for (const m of members) expect(m.replay(0)).toEqual(heard.get(m.slot));
  });
});
