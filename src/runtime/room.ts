// The calls made in a room: each refuses locally what the server would refuse anyway (no round
// trip), sends its request, and keeps the session's idea of publishing and subscriptions.
import * as ERROR_CODES from './codes.js';
import type { MuteLocalOptions, MuteRemoteOptions, SubOptions, UnsubscribeOptions } from '../generated/types.js';
import { invalid, rtcError } from './errors.js';
import { urlOf } from './payloads.js';
import type { Session, Subscription } from './session.js';
import type { Connection } from './signaling/connection.js';
import { checkId } from './validate.js';

/** A request within one stay in the room (waits while reconnecting, fails once it is left). */
export type RoomRequest = (s: Session, req: Parameters<Connection['request_']>[0]) => Promise<unknown>;

/** What the room calls need of the runtime (the runtime itself). */
export interface RoomIo {
  /** The session, or throws the phase's refusal (NOT_IN_ROOM, NOT_INITED...). */
  room_(method: string): Session;
  request_: RoomRequest;
  readonly visible_: boolean;
}

export async function publish(io: RoomIo): Promise<string> {
  const s = io.room_('publish');
  if (s.publishing_) throw rtcError(ERROR_CODES.ALREADY_PUBLISHED, 'publish: published already');
  if (!io.visible_) throw rtcError(ERROR_CODES.INVISIBLE_CANNOT_PUBLISH, 'publish: invisible; call setUserVisibility(true) first');
  // After STREAM_FAILED the server still holds the stream and answers with a URL (a fresh one,
  // or the one in use if the pusher got back in by itself meanwhile).
  const url = await sendPublish(io, s);
  s.publishing_ = true;
  return url;
}

export async function unpublish(io: RoomIo): Promise<void> {
  const s = io.room_('unpublish');
  if (!s.publishing_) throw notPublished('unpublish');
  await io.request_(s, { type: 'unpublish', screen: false });
  s.unpublished_();
}

/** The publish request: the URL to push to (a fresh one, or the one in use). */
export const sendPublish = async (io: Pick<RoomIo, 'request_'>, s: Session): Promise<string> =>
  urlOf('publish', await io.request_(s, { type: 'publish', screen: false }));

/** The subscribe request for sub's stream: the URL to play. */
export const sendSubscribe = async (io: Pick<RoomIo, 'request_'>, s: Session, sub: Subscription): Promise<string> =>
  urlOf('subscribe', await io.request_(s, { type: 'subscribe', userId: sub.uid, screen: sub.screen, audio: sub.audio, video: sub.video }));

const notPublished = (method: string) => rtcError(ERROR_CODES.NOT_PUBLISHED, `${method}: not published`);

/** The subscription to uid's main or screen stream, or NOT_SUBSCRIBED naming it. */
function subscribed(s: Session, method: string, uid: string, screen: boolean): Subscription {
  const sub = s.subscribed_(uid, screen);
  if (!sub) throw rtcError(ERROR_CODES.NOT_SUBSCRIBED, `${method}: ${uid}'s ${screen ? 'screen' : 'main'} stream is not subscribed`);
  return sub;
}

export async function subscribe(io: RoomIo, userId: string, options: SubOptions): Promise<string> {
  const s = io.room_('subscribe');
  checkId('subscribe', 'userId', userId);
  if (userId === s.userId_) throw invalid('subscribe(userId)', 'that is the local user');
  const screen = options.screen === true;
  const sub = { uid: userId, screen, audio: options.audio !== false, video: options.video !== false, pausedAudio_: false, pausedVideo_: false };
  const url = await sendSubscribe(io, s, sub);
  // The server keeps a muteRemote pause across a subscribe again; so does the client.
  const before = s.subscribed_(userId, screen);
  if (before) {
    sub.pausedAudio_ = before.pausedAudio_;
    sub.pausedVideo_ = before.pausedVideo_;
  }
  s.addSubscription_(sub);
  return url;
}

export async function unsubscribe(io: RoomIo, userId: string, options: UnsubscribeOptions): Promise<void> {
  const s = io.room_('unsubscribe');
  const screen = options.screen === true;
  subscribed(s, 'unsubscribe', userId, screen);
  await io.request_(s, { type: 'unsubscribe', userId, screen });
  s.removeSubscription_(userId, screen);
}

export async function muteLocal(io: RoomIo, options: MuteLocalOptions): Promise<void> {
  const s = io.room_('muteLocal');
  if (!s.publishing_) throw notPublished('muteLocal');
  await io.request_(s, { type: 'muteLocal', audio: options.audio, video: options.video });
  s.audioOff_ = options.audio;
  s.videoOff_ = options.video;
}

export async function muteRemote(io: RoomIo, userId: string, options: MuteRemoteOptions): Promise<void> {
  const s = io.room_('muteRemote');
  const screen = options.screen === true;
  subscribed(s, 'muteRemote', userId, screen);
  await io.request_(s, { type: 'muteRemote', userId, screen, audio: options.audio, video: options.video });
  // Looked up again: an unsubscribe (or the stream's end) may have come meanwhile.
  const sub = s.subscribed_(userId, screen);
  if (sub) {
    sub.pausedAudio_ = options.audio;
    sub.pausedVideo_ = options.video;
  }
}
