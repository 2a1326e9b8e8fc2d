// The state of one room: plain records, so a shared store (Redis) can serialise them.
import { StableMap } from './stable-map.js';

export interface MemberRecord {
  userId: string;
  /** Names the connection's current join; events are addressed to it. */
  sessionId: string;
  visible: boolean;
  businessId: string | null;
  joinedAt: number; // Unix ms
  /** Unix seconds, 0 = never. */
  tokenExpireAt: number;
  /**
   * What the token grants of what a room checks: until when the member may publish and subscribe
   * (Unix seconds, 0 = never), null when not granted. Two numbers, not the token's privilege map:
   * a room holds up to 10,000 members.
   */
  publishUntil: number | null;
  subscribeUntil: number | null;
}

export interface StreamRecord {
  userId: string;
  screen: boolean;
  /** true = the publisher sends it (not muted) */
  audio: boolean;
  video: boolean;
  /**
   * The relay reported that its push stopped or never arrived: the others were told
   * stream-removed, and it is neither listed nor subscribable until a push starts again.
   */
  failed?: boolean;
  /** The publisher was told stream-failed: its next publish answers with a URL, not ALREADY_PUBLISHED. */
  retry?: boolean;
  /** The push URL last issued, handed out again when the publisher retries after its push came back. */
  pushUrl?: string;
}

export interface SubscriptionRecord {
  subscriberId: string;
  userId: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
  /** muteRemote: true = paused for this subscriber */
  pausedAudio: boolean;
  pausedVideo: boolean;
}

export interface RoomRecord {
  appId: string;
  roomId: string;
  /**
   * In join order. Changed only through addMember, removeMember and setMemberVisible. A StableMap:
   * a user who leaves and joins again and again must not slow its room down (see stable-map.ts).
   */
  members: StableMap<MemberRecord>;
  /**
   * The visible members (the same records), in the order they became visible: the join response
   * lists the earliest first. Its size is the room's visible count, and members.size minus it the
   * invisible count, so a join or a leave never walks the audience to check the limits.
   */
  visible: Map<string, MemberRecord>;
  /** keyed by streamId(userId, screen) */
  streams: Map<string, StreamRecord>;
  /** keyed by subscriptionId(subscriberId, userId, screen) */
  subscriptions: Map<string, SubscriptionRecord>;
}

export interface RoomKey {
  appId: string;
  roomId: string;
}

export const streamId = (userId: string, screen: boolean): string => `${userId}|${screen ? 1 : 0}`;
export const subscriptionId = (subscriberId: string, userId: string, screen: boolean): string => `${subscriberId}>${streamId(userId, screen)}`;
/** Apps are isolated: the app id is part of every room's key. */
export const roomKeyString = (k: RoomKey): string => `${k.appId}/${k.roomId}`;

export function emptyRoom(key: RoomKey): RoomRecord {
  return { appId: key.appId, roomId: key.roomId, members: new StableMap(), visible: new Map(), streams: new Map(), subscriptions: new Map() };
}

/** Adds a member last (after removing an earlier record of the same user), keeping the visible index. */
export function addMember(room: RoomRecord, m: MemberRecord): void {
  removeMember(room, m.userId);
  room.members.set(m.userId, m);
  if (m.visible) room.visible.set(m.userId, m);
}

export function removeMember(room: RoomRecord, userId: string): void {
  room.members.delete(userId);
  room.visible.delete(userId);
}

/** A member turning visible comes last in the visible index; one turning invisible leaves it. */
export function setMemberVisible(room: RoomRecord, m: MemberRecord, visible: boolean): void {
  m.visible = visible;
  if (visible) room.visible.set(m.userId, m);
  else room.visible.delete(m.userId);
}

/** Others learn of a stream only while its push is not failed and it carries audio or video (both off = removed). */
export const isAnnounced = (s: StreamRecord): boolean => !s.failed && (s.audio || s.video);
