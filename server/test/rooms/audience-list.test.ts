// A room event's audience (its invisible members) is one effect whose sessions are listed when
// the room service first reads it, after the visible members were told: the operation itself
// walks only the visible members, however large the audience.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/rooms/limits.js';
import { emptyRoom, type RoomRecord } from '../../src/rooms/model.js';
import * as ops from '../../src/rooms/ops.js';
import type { Effect } from '../../src/rooms/effects.js';
import { ALL_PRIVILEGES } from '../support/privileges.js';

function join(room: RoomRecord, userId: string, visible: boolean) {
  return ops.join(room, { userId, sessionId: `s-${userId}`, visible, businessId: null, now: 0, tokenExpireAt: 0, privileges: ALL_PRIVILEGES }, DEFAULT_LIMITS);
}

/** Counts the walks of the room's members (the audience lives only there). */
function countWalks(room: RoomRecord): { walks: number } {
  const n = { walks: 0 };
  const members = room.members as { values(): IterableIterator<unknown> };
  const values = members.values.bind(members);
  members.values = () => {
    n.walks++;
    return values();
  };
  return n;
}

const audienceOf = (effects: Effect[]) => effects.filter((e) => e.kind === 'event' && e.audience);

describe("a room event's audience", () => {
  it('is not walked by the operation; read later, it lists the invisible members but the actor, once', () => {
    const room = emptyRoom({ appId: 'app', roomId: 'r' });
    for (let i = 0; i < 50; i++) join(room, `aud${i}`, false);
    join(room, 'alice', true);
    join(room, 'bob', true);
    const n = countWalks(room);

    const joined = join(room, 'carol', true);
    expect(n.walks).toBe(0);
    const visible = joined.effects.filter((e) => e.kind === 'event' && !e.audience).map((e) => e.kind === 'event' && e.to);
    expect(visible).toEqual(['s-alice', 's-bob']);
    const [audience] = audienceOf(joined.effects);
    expect(n.walks).toBe(0);

    const expected = Array.from({ length: 50 }, (_, i) => `s-aud${i}`);
    expect(audience).toMatchObject({ kind: 'event', event: 'peer-online', data: { uid: 'carol' }, to: expected });
    expect(audience?.kind === 'event' && audience.to).toEqual(expected);
    expect(n.walks).toBe(1); // listed once, however often read
  });

  it('leaves out an invisible actor, and is absent when the actor is the only invisible member', () => {
    const room = emptyRoom({ appId: 'app', roomId: 'r' });
    join(room, 'alice', true);
    join(room, 'quiet', false);
    // The invisible member turns visible: everyone else is visible, so no audience effect.
    const shown = ops.setVisibility(room, 'quiet', 's-quiet', true, DEFAULT_LIMITS);
    expect(audienceOf(shown.effects)).toEqual([]);
    join(room, 'aud', false);
    // Turning invisible again: the actor is now invisible itself, and left out of its own audience.
    const hidden = ops.setVisibility(room, 'quiet', 's-quiet', false, DEFAULT_LIMITS);
    expect(audienceOf(hidden.effects)).toMatchObject([{ event: 'peer-leave', to: ['s-aud'] }]);
    // A member of the audience leaves: it is gone from the room before the others hear of it.
    join(room, 'aud2', false);
    ops.publish(room, 'alice', 's-alice', false, DEFAULT_LIMITS, 0);
    const left = ops.leave(room, 'aud', 's-aud', 'leave');
    expect(left.ok).toBe(true);
    const unpublished = ops.unpublish(room, 'alice', 's-alice', false);
    expect(audienceOf(unpublished.effects)).toMatchObject([{ event: 'stream-removed', to: ['s-quiet', 's-aud2'] }]);
  });
});
