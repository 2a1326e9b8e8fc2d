// RoomRecord <-> JSON for Redis. Maps become arrays of values (keys are derived from them again),
// in insertion order: members are listed to joiners earliest first.
import { Privileges } from '../token/privileges.js';
import {
  emptyRoom,
  streamId,
  subscriptionId,
  type MemberRecord,
  type RoomKey,
  type RoomRecord,
  type StreamRecord,
  type SubscriptionRecord,
} from '../rooms/model.js';

interface WireRoom {
  m: MemberRecord[];
  s: StreamRecord[];
  u: SubscriptionRecord[];
  /** The visible members' ids in the order they became visible; absent in records of older versions. */
  v?: string[];
}

export function encodeRoom(room: RoomRecord): string {
  const w: WireRoom = {
    m: [...room.members.values()],
    s: [...room.streams.values()],
    u: [...room.subscriptions.values()],
    v: [...room.visible.keys()],
  };
  return JSON.stringify(w);
}

export function decodeRoom(key: RoomKey, text: string): RoomRecord {
  const w = JSON.parse(text) as WireRoom;
  const room = emptyRoom(key);
  let visible = 0;
  for (const stored of w.m) {
    const m = member(stored);
    room.members.set(m.userId, m);
    if (m.visible) visible++;
  }
  for (const s of w.s) room.streams.set(streamId(s.userId, s.screen), s);
  for (const u of w.u) room.subscriptions.set(subscriptionId(u.subscriberId, u.userId, u.screen), u);
  // The visible index, from the members themselves (they are the truth): in the stored order, then
  // any visible member it lacks in join order. A record written by an older version has no order
  // (an older node rewriting a record drops it): its visible members come in join order.
  for (const id of w.v ?? []) {
    const m = room.members.get(id);
    if (m?.visible) room.visible.set(id, m);
  }
  if (room.visible.size < visible) for (const m of room.members.values()) if (m.visible && !room.visible.has(m.userId)) room.visible.set(m.userId, m);
  return room;
}

/**
 * A member as stored. Records written before the grants were two numbers carry the token's
 * privileges as [privilege, expireAt] pairs: read those, so a node upgraded beside older ones
 * neither grants nor refuses more than the token did.
 */
function member(m: MemberRecord & { privileges?: [number, number][] }): MemberRecord {
  if (m.publishUntil !== undefined && m.subscribeUntil !== undefined) return m;
  const granted = new Map(m.privileges ?? []);
  const { privileges: _old, ...rest } = m;
  return { ...rest, publishUntil: granted.get(Privileges.PublishStream) ?? null, subscribeUntil: granted.get(Privileges.SubscribeStream) ?? null };
}
