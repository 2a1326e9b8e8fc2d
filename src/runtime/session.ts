// What the client knows of its own room membership: enough to refuse calls the server would
// refuse anyway (publish twice, unsubscribe what was never subscribed) without a round trip,
// and to put everything back after a reconnect that had to join afresh.

import { EVENTS, type EventName } from '../generated/events.js';
import type { JoinAnswer } from './payloads.js';

export interface Subscription {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
  /** muteRemote: true = paused */
  pausedAudio_: boolean;
  pausedVideo_: boolean;
}

/** A remote stream as the app was told of it (stream-added, mute-*, stream-removed). */
export interface SeenStream {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
}

/** The key of uid's main or screen stream in the session's maps. */
export const keyOf = (uid: string, screen: boolean): string => `${screen ? 's' : 'm'}:${uid}`;

export class Session {
  publishing_ = false;
  /** muteLocal as last applied: true = disabled. A fresh publish starts with both on. */
  audioOff_ = false;
  videoOff_ = false;
  /** The last event number seen: a resume presents it with answer_'s session id and secret. */
  lastSeq_ = 0;
  /** What the app was told of the room: a fresh join after a reconnect announces the differences. */
  readonly peers_ = new Set<string>();
  readonly streams_ = new Map<string, SeenStream>();
  /** The subscriptions, by keyOf(uid, screen). */
  readonly subs_ = new Map<string, Subscription>();

  constructor(
    readonly roomId_: string,
    readonly userId_: string,
    /** The newest token (join, then updateToken), for a fresh join when a resume is refused. */
    public token_: string,
    /** The join's answer: the session's id and resume secret (a fresh join replaces it). */
    public answer_: JoinAnswer,
  ) {}

  /** Not publishing any more (unpublish, or invisible); a later publish starts unmuted. */
  unpublished_(): void {
    this.publishing_ = false;
    this.audioOff_ = false;
    this.videoOff_ = false;
  }

  subscribed_(uid: string, screen: boolean): Subscription | undefined {
    return this.subs_.get(keyOf(uid, screen));
  }

  addSubscription_(s: Subscription): void {
    this.subs_.set(keyOf(s.uid, s.screen), s);
  }

  removeSubscription_(uid: string, screen: boolean): void {
    this.subs_.delete(keyOf(uid, screen));
  }

  /**
   * The server ends every subscription to a stream that ends (whatever ended it, the user leaving
   * too): after STREAM_ADDED the app subscribes again. (A method, not a closure made per event.)
   */
  private forget_(key: string): void {
    this.streams_.delete(key);
    this.subs_.delete(key);
  }

  /** Keeps the room view in step with an event the app is about to receive. */
  track_(name: EventName, p: Record<string, unknown>): void {
    const uid = p.uid as string;
    const screen = p.screen === true;
    const k = keyOf(uid, screen);
    const seen = this.streams_.get(k);
    if (name === EVENTS.PEER_ONLINE) this.peers_.add(uid);
    else if (name === EVENTS.PEER_LEAVE) {
      this.peers_.delete(uid);
      this.forget_(keyOf(uid, false));
      this.forget_(keyOf(uid, true));
    } else if (name === EVENTS.STREAM_ADDED) {
      const st = p.streamPublishState as { audio?: unknown; video?: unknown };
      this.streams_.set(k, { uid, screen, audio: st.audio !== false, video: st.video !== false });
    } else if (name === EVENTS.STREAM_REMOVED) this.forget_(k);
    else if (seen && (name === EVENTS.MUTE_AUDIO || name === EVENTS.UNMUTE_AUDIO)) seen.audio = name === EVENTS.UNMUTE_AUDIO;
    else if (seen && (name === EVENTS.MUTE_VIDEO || name === EVENTS.UNMUTE_VIDEO)) seen.video = name === EVENTS.UNMUTE_VIDEO;
  }
}
