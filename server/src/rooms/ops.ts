// The room rules as pure functions of the room record: each returns its answer and the effects
// (events to sessions, media calls) that the service runs after the store committed the change.
import { CODES, type CodeName } from '../codes.js';
import type { StreamKey } from '../media/plane.js';
import { Privileges, checkGrant } from '../token/index.js';
import type { Effect, Outcome } from './effects.js';
import type { Limits } from './limits.js';
import {
  addMember,
  isAnnounced,
  removeMember,
  setMemberVisible,
  streamId,
  subscriptionId,
  type MemberRecord,
  type RoomRecord,
  type StreamRecord,
  type SubscriptionRecord,
} from './model.js';

export interface WireStreamState {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
}

export type LeaveReason = 'leave' | 'invisible' | 'timeout' | 'kicked' | 'token-expired';

const fail = <T>(name: CodeName, reason: string): Outcome<T> => ({ ok: false, code: CODES[name], reason, effects: [] });
const done = <T>(data: T, effects: Effect[]): Outcome<T> => ({ ok: true, data, effects });

/** The visible members first: the people in the call hear of a change before its audience. */
function toOthers(room: RoomRecord, exceptUserId: string, event: string, data: unknown, out: Effect[]): void {
  for (const m of room.visible.values()) if (m.userId !== exceptUserId) out.push({ kind: 'event', to: m.sessionId, event, data });
  if (counts(room, exceptUserId).invisible > 0) out.push(toAudience(room, exceptUserId, event, data));
}

/**
 * The audience's effect lists its sessions when first read: the room service reads it once the
 * visible members' frames are written (walking a thousand members first cost them ~70 us). Within
 * an operation only the actor's own membership changes, and the actor is left out either way, so
 * the list is the one the operation saw.
 */
function toAudience(room: RoomRecord, exceptUserId: string, event: string, data: unknown): Effect {
  let to: string[] | undefined;
  return {
    kind: 'event',
    get to(): string[] {
      if (to) return to;
      to = [];
      for (const m of room.members.values()) if (!m.visible && m.userId !== exceptUserId) to.push(m.sessionId);
      return to;
    },
    event,
    data,
    audience: true,
  };
}

const keyOf = (room: RoomRecord, s: { userId: string; screen: boolean }): StreamKey => ({
  appId: room.appId,
  roomId: room.roomId,
  userId: s.userId,
  screen: s.screen,
});

/** The member behind this session, or undefined when the session is not (or no longer) in the room. */
function memberOf(room: RoomRecord, userId: string, sessionId: string): MemberRecord | undefined {
  const m = room.members.get(userId);
  return m && m.sessionId === sessionId ? m : undefined;
}

/**
 * Ends every subscription to a stream and its play. Whatever removes a stream from the others'
 * view (unpublish, leave, both disabled, a failed push) does this: after stream-removed nobody
 * is subscribed, and the runtime forgets its subscription on that event too.
 */
function endSubscriptions(room: RoomRecord, s: StreamRecord, out: Effect[]): void {
  const key = keyOf(room, s);
  for (const [id, sub] of room.subscriptions) {
    if (sub.userId === s.userId && sub.screen === s.screen) {
      room.subscriptions.delete(id);
      out.push({ kind: 'endPlay', key, subscriberId: sub.subscriberId });
    }
  }
}

/** Drops one published stream: its push, every play of it, and tells the others if they knew it. */
function dropStream(room: RoomRecord, s: StreamRecord, reason: string, out: Effect[]): void {
  room.streams.delete(streamId(s.userId, s.screen));
  out.push({ kind: 'endPush', key: keyOf(room, s), reason });
  endSubscriptions(room, s, out);
  if (isAnnounced(s)) toOthers(room, s.userId, 'stream-removed', { uid: s.userId, screen: s.screen }, out);
}

/**
 * The user's subscriptions, found through the room's streams (at most two per publisher): every
 * subscription is to a stream of the room (dropStream ends them with it), and the whole list of
 * subscriptions grows with the audience, which a leave must not walk.
 */
function subscriptionsOf(room: RoomRecord, subscriberId: string): [string, SubscriptionRecord][] {
  const found: [string, SubscriptionRecord][] = [];
  for (const s of room.streams.values()) {
    const id = subscriptionId(subscriberId, s.userId, s.screen);
    const sub = room.subscriptions.get(id);
    if (sub) found.push([id, sub]);
  }
  return found;
}

/** Drops everything a user has in the room except the membership itself. */
function dropUserMedia(room: RoomRecord, userId: string, reason: string, out: Effect[]): void {
  for (const s of [...room.streams.values()]) if (s.userId === userId) dropStream(room, s, reason, out);
  for (const [id, sub] of subscriptionsOf(room, userId)) {
    room.subscriptions.delete(id);
    out.push({ kind: 'endPlay', key: keyOf(room, sub), subscriberId: userId });
  }
}

/** The room's visible and invisible members but one, from the visible index (no walk). */
function counts(room: RoomRecord, exceptUserId: string): { visible: number; invisible: number } {
  let visible = room.visible.size;
  let invisible = room.members.size - visible;
  const except = room.members.get(exceptUserId);
  if (except?.visible) visible--;
  else if (except) invisible--;
  return { visible, invisible };
}

function publishers(room: RoomRecord): Set<string> {
  const users = new Set<string>();
  for (const s of room.streams.values()) users.add(s.userId);
  return users;
}

export interface JoinInput {
  userId: string;
  sessionId: string;
  visible: boolean;
  businessId: string | null;
  tokenExpireAt: number;
  privileges: Map<number, number>;
  now: number; // Unix ms
}

export interface JoinData {
  peers: string[];
  streams: WireStreamState[];
  /** Set when this join took over an earlier session of the same user. */
  replacedSessionId: string | null;
}

/**
 * Join, or take over: the same user joining again (from another connection) replaces the old
 * session, which is told KICKED and closed. The others see no peer-leave / peer-online for a
 * takeover (only a visibility change is announced); the old session's streams and subscriptions
 * end with it, so the others do see stream-removed for what it published.
 */
export function join(room: RoomRecord, input: JoinInput, limits: Limits): Outcome<JoinData> {
  const previous = room.members.get(input.userId);
  const c = counts(room, input.userId);
  if (input.visible && c.visible >= limits.maxVisible) {
    return fail('ROOM_FULL', `the room holds its maximum of ${limits.maxVisible} visible users`);
  }
  if (!input.visible && c.invisible >= limits.maxInvisible) {
    return fail('INVISIBLE_LIMIT', `the room holds its maximum of ${limits.maxInvisible} invisible users`);
  }
  const out: Effect[] = [];
  if (previous) {
    out.push({ kind: 'kick', sessionId: previous.sessionId, code: CODES.KICKED, reason: 'the same user joined this room from another connection' });
    dropUserMedia(room, previous.userId, 'kicked', out);
    removeMember(room, previous.userId);
  }
  addMember(room, {
    userId: input.userId,
    sessionId: input.sessionId,
    visible: input.visible,
    businessId: input.businessId,
    joinedAt: input.now,
    tokenExpireAt: input.tokenExpireAt,
    publishUntil: input.privileges.get(Privileges.PublishStream) ?? null,
    subscribeUntil: input.privileges.get(Privileges.SubscribeStream) ?? null,
  });
  const wasVisible = previous?.visible ?? false;
  if (input.visible && !wasVisible) toOthers(room, input.userId, 'peer-online', { uid: input.userId }, out);
  if (!input.visible && wasVisible) toOthers(room, input.userId, 'peer-leave', { uid: input.userId, reason: 'invisible' }, out);

  const peers: string[] = [];
  for (const m of room.visible.values()) {
    if (peers.length >= limits.maxPeersInJoin) break;
    if (m.userId !== input.userId) peers.push(m.userId);
  }
  const streams: WireStreamState[] = [];
  for (const s of room.streams.values()) {
    if (s.userId !== input.userId && isAnnounced(s)) streams.push({ uid: s.userId, screen: s.screen, audio: s.audio, video: s.video });
  }
  return done({ peers, streams, replacedSessionId: previous?.sessionId ?? null }, out);
}

/** Leaves the room (also used for a dropped connection, an expired token). */
export function leave(room: RoomRecord, userId: string, sessionId: string, reason: LeaveReason): Outcome<Record<string, never>> {
  const m = memberOf(room, userId, sessionId);
  if (!m) return fail('NOT_IN_ROOM', 'not in a room');
  const out: Effect[] = [];
  dropUserMedia(room, userId, reason, out);
  removeMember(room, userId);
  if (m.visible) toOthers(room, userId, 'peer-leave', { uid: userId, reason }, out);
  return done({}, out);
}

export interface PublishData {
  key: StreamKey;
  /** When the push URL should stop working: Unix seconds, 0 = never. */
  expireAt: number;
  /** Set when the URL already issued is still the one to push to (no new URL is issued). */
  url?: string;
}

export function publish(room: RoomRecord, userId: string, sessionId: string, screen: boolean, limits: Limits, nowSec: number): Outcome<PublishData> {
  const m = memberOf(room, userId, sessionId);
  if (!m) return fail('NOT_IN_ROOM', 'not in a room');
  if (!m.visible) return fail('INVISIBLE_CANNOT_PUBLISH', 'an invisible user cannot publish');
  const denied = checkGrant(m.publishUntil, Privileges.PublishStream, nowSec);
  if (denied) return { ok: false, ...denied, effects: [] };
  const privilegeExpireAt = m.publishUntil ?? 0;
  const existing = room.streams.get(streamId(userId, screen));
  if (existing) {
    // After stream-failed the publisher may publish again. While the push is still down that
    // reissues the URL (the old one stops working; the others hear stream-added once a push
    // starts). If the pusher already got back in with its URL, that URL is handed out again:
    // a new one would cut the live push.
    if (!existing.retry) return fail('ALREADY_PUBLISHED', 'this stream is published already');
    existing.retry = false;
    const url = existing.failed ? undefined : existing.pushUrl;
    return done({ key: keyOf(room, existing), expireAt: earliest(privilegeExpireAt, m.tokenExpireAt), ...(url ? { url } : {}) }, []);
  }
  const users = publishers(room);
  if (!users.has(userId) && users.size >= limits.maxPublishers) {
    return fail('PUBLISHER_LIMIT', `the room has its maximum of ${limits.maxPublishers} publishers`);
  }
  const stream: StreamRecord = { userId, screen, audio: true, video: true };
  room.streams.set(streamId(userId, screen), stream);
  const out: Effect[] = [];
  toOthers(room, userId, 'stream-added', { uid: userId, screen, streamPublishState: { audio: true, video: true } }, out);
  return done({ key: keyOf(room, stream), expireAt: earliest(privilegeExpireAt, m.tokenExpireAt) }, out);
}

export function unpublish(room: RoomRecord, userId: string, sessionId: string, screen: boolean): Outcome<Record<string, never>> {
  if (!memberOf(room, userId, sessionId)) return fail('NOT_IN_ROOM', 'not in a room');
  const s = room.streams.get(streamId(userId, screen));
  if (!s) return fail('NOT_PUBLISHED', 'this stream is not published');
  const out: Effect[] = [];
  dropStream(room, s, 'unpublish', out);
  return done({}, out);
}

export interface SubscribeInput {
  userId: string; // target
  screen: boolean;
  audio: boolean;
  video: boolean;
}

export interface SubscribeData {
  key: StreamKey;
  expireAt: number;
}

/** Subscribing again to the same stream updates the options and issues a fresh URL. */
export function subscribe(room: RoomRecord, userId: string, sessionId: string, input: SubscribeInput, nowSec: number): Outcome<SubscribeData> {
  const m = memberOf(room, userId, sessionId);
  if (!m) return fail('NOT_IN_ROOM', 'not in a room');
  const denied = checkGrant(m.subscribeUntil, Privileges.SubscribeStream, nowSec);
  if (denied) return { ok: false, ...denied, effects: [] };
  const s = room.streams.get(streamId(input.userId, input.screen));
  // A stream the others were told is removed (push failed, both disabled) cannot be played.
  if (!s || !isAnnounced(s)) return fail('STREAM_NOT_PUBLISHED', `${input.userId} does not publish that stream`);
  const id = subscriptionId(userId, input.userId, input.screen);
  const before = room.subscriptions.get(id);
  room.subscriptions.set(id, {
    subscriberId: userId,
    userId: input.userId,
    screen: input.screen,
    audio: input.audio,
    video: input.video,
    pausedAudio: before?.pausedAudio ?? false,
    pausedVideo: before?.pausedVideo ?? false,
  });
  const privilegeExpireAt = m.subscribeUntil ?? 0;
  return done({ key: keyOf(room, s), expireAt: earliest(privilegeExpireAt, m.tokenExpireAt) }, []);
}

export function unsubscribe(room: RoomRecord, userId: string, sessionId: string, target: string, screen: boolean): Outcome<Record<string, never>> {
  if (!memberOf(room, userId, sessionId)) return fail('NOT_IN_ROOM', 'not in a room');
  const id = subscriptionId(userId, target, screen);
  if (!room.subscriptions.has(id)) return fail('NOT_SUBSCRIBED', `not subscribed to ${target}`);
  room.subscriptions.delete(id);
  return done({}, [{ kind: 'endPlay', key: keyOf(room, { userId: target, screen }), subscriberId: userId }]);
}

/**
 * muteLocal acts on the user's main stream (the one <live-pusher> carries). true = disabled.
 * Others hear mute/unmute while the stream keeps one of the two; both off reads as
 * stream-removed, and back from both off as stream-added.
 */
export function muteLocal(room: RoomRecord, userId: string, sessionId: string, audioOff: boolean, videoOff: boolean): Outcome<Record<string, never>> {
  if (!memberOf(room, userId, sessionId)) return fail('NOT_IN_ROOM', 'not in a room');
  const s = room.streams.get(streamId(userId, false));
  if (!s) return fail('NOT_PUBLISHED', 'the local stream is not published');
  const before = { ...s };
  s.audio = !audioOff;
  s.video = !videoOff;
  const out: Effect[] = [];
  const payload = { uid: userId, screen: s.screen };
  if (isAnnounced(before) && !isAnnounced(s)) {
    endSubscriptions(room, s, out);
    toOthers(room, userId, 'stream-removed', payload, out);
  } else if (!isAnnounced(before) && isAnnounced(s)) {
    toOthers(room, userId, 'stream-added', { ...payload, streamPublishState: { audio: s.audio, video: s.video } }, out);
  } else if (isAnnounced(s)) {
    if (before.audio !== s.audio) toOthers(room, userId, s.audio ? 'unmute-audio' : 'mute-audio', payload, out);
    if (before.video !== s.video) toOthers(room, userId, s.video ? 'unmute-video' : 'mute-video', payload, out);
  }
  return done({}, out);
}

export interface MuteRemoteInput {
  userId: string;
  screen: boolean;
  audio: boolean; // true = paused
  video: boolean;
}

/**
 * muteRemote pauses delivery of a subscribed stream to this subscriber only. The media plane
 * pauses whole streams, so a stream is paused once nothing subscribed remains unpaused.
 */
export function muteRemote(room: RoomRecord, userId: string, sessionId: string, input: MuteRemoteInput): Outcome<Record<string, never>> {
  if (!memberOf(room, userId, sessionId)) return fail('NOT_IN_ROOM', 'not in a room');
  const sub = room.subscriptions.get(subscriptionId(userId, input.userId, input.screen));
  if (!sub) return fail('NOT_SUBSCRIBED', `not subscribed to ${input.userId}`);
  sub.pausedAudio = input.audio;
  sub.pausedVideo = input.video;
  const delivers = (sub.audio && !sub.pausedAudio) || (sub.video && !sub.pausedVideo);
  return done({}, [{ kind: 'pausePlay', key: keyOf(room, sub), subscriberId: userId, paused: !delivers }]);
}

/**
 * Turning invisible while publishing unpublishes first (an invisible user cannot publish), so
 * the others see stream-removed, then peer-leave {reason: 'invisible'}.
 */
export function setVisibility(room: RoomRecord, userId: string, sessionId: string, visible: boolean, limits: Limits): Outcome<Record<string, never>> {
  const m = memberOf(room, userId, sessionId);
  if (!m) return fail('NOT_IN_ROOM', 'not in a room');
  if (m.visible === visible) return done({}, []);
  const c = counts(room, userId);
  if (visible && c.visible >= limits.maxVisible) return fail('ROOM_FULL', `the room holds its maximum of ${limits.maxVisible} visible users`);
  if (!visible && c.invisible >= limits.maxInvisible) return fail('INVISIBLE_LIMIT', `the room holds its maximum of ${limits.maxInvisible} invisible users`);
  const out: Effect[] = [];
  if (!visible) {
    for (const s of [...room.streams.values()]) if (s.userId === userId) dropStream(room, s, 'invisible', out);
  }
  setMemberVisible(room, m, visible);
  if (visible) toOthers(room, userId, 'peer-online', { uid: userId }, out);
  else toOthers(room, userId, 'peer-leave', { uid: userId, reason: 'invisible' }, out);
  return done({}, out);
}

/**
 * The relay reports that a push stopped by itself or never arrived. The publisher hears
 * stream-failed (each time); the others, if they knew the stream, hear stream-removed and lose
 * their subscriptions, as for an unpublish. The stream stays published for its publisher, who
 * may publish again (URL reissued) or whose pusher may reconnect by itself (pushStarted).
 */
export function pushFailed(room: RoomRecord, userId: string, screen: boolean, reason: string): Outcome<null> {
  const s = room.streams.get(streamId(userId, screen));
  if (!s) return done(null, []); // unpublished (or left) meanwhile: its end was announced already
  const out: Effect[] = [];
  const m = room.members.get(userId);
  if (m) out.push({ kind: 'event', to: m.sessionId, event: 'stream-failed', data: { uid: userId, screen, reason } });
  const wasAnnounced = isAnnounced(s);
  s.failed = true;
  s.retry = true;
  endSubscriptions(room, s, out);
  if (wasAnnounced) toOthers(room, userId, 'stream-removed', { uid: userId, screen }, out);
  return done(null, out);
}

/** A push started: after a failure the stream is back, and the others hear stream-added again. */
export function pushStarted(room: RoomRecord, userId: string, screen: boolean): Outcome<null> {
  const s = room.streams.get(streamId(userId, screen));
  if (!s?.failed) return done(null, []);
  s.failed = false;
  const out: Effect[] = [];
  if (isAnnounced(s)) toOthers(room, userId, 'stream-added', { uid: userId, screen, streamPublishState: { audio: s.audio, video: s.video } }, out);
  return done(null, out);
}

/** Keeps the URL publish handed out, so a retry after a self-healed push can return it. */
export function rememberPushUrl(room: RoomRecord, userId: string, screen: boolean, url: string): Outcome<null> {
  const s = room.streams.get(streamId(userId, screen));
  if (s) s.pushUrl = url;
  return done(null, []);
}

export interface RenewData {
  /** The URLs whose lifetime the new token moves: a push URL (subscriberId null) or a play URL. */
  urls: { key: StreamKey; subscriberId: string | null; expireAt: number }[];
}

/**
 * updateToken: the member's token (already verified for its app, room and user) now expires at
 * tokenExpireAt with these privileges. Its own push URLs and its play URLs last as long as the new
 * token's matching privilege; one the new token does not grant keeps its old expiry.
 */
export function renewToken(room: RoomRecord, userId: string, sessionId: string, tokenExpireAt: number, privileges: Map<number, number>): Outcome<RenewData> {
  const m = memberOf(room, userId, sessionId);
  if (!m) return fail('NOT_IN_ROOM', 'not in a room');
  m.tokenExpireAt = tokenExpireAt;
  m.publishUntil = privileges.get(Privileges.PublishStream) ?? null;
  m.subscribeUntil = privileges.get(Privileges.SubscribeStream) ?? null;
  const urls: RenewData['urls'] = [];
  const until = (p: number): number | undefined => {
    const at = privileges.get(p);
    return at === undefined ? undefined : earliest(at, tokenExpireAt);
  };
  const push = until(Privileges.PublishStream);
  if (push !== undefined)
    for (const s of room.streams.values()) if (s.userId === userId) urls.push({ key: keyOf(room, s), subscriberId: null, expireAt: push });
  const play = until(Privileges.SubscribeStream);
  if (play !== undefined) for (const [, sub] of subscriptionsOf(room, userId)) urls.push({ key: keyOf(room, sub), subscriberId: userId, expireAt: play });
  return done({ urls }, []);
}

/** The earlier of two expiries where 0 means never. */
function earliest(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}
