// What the client knows of its own room membership: enough to refuse calls the server would
// refuse anyway (publish twice, unsubscribe what was never subscribed) without a round trip,
// and to put everything back after a reconnect that had to join afresh.

import { EVENTS, type EventName } from '../generated/events.js';

export interface Subscription {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
  /** muteRemote: true = paused */
  pausedAudio: boolean;
  pausedVideo: boolean;
}

/** A remote stream as the app was told of it (stream-added, mute-*, stream-removed). */
export interface SeenStream {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
}

const keyOf = (uid: string, screen: boolean): string => `${screen ? 's' : 'm'}:${uid}`;

export class Session {
  publishing = false;
  pushUrl: string | undefined;
  /** muteLocal as last applied: true = disabled. A fresh publish starts with both on. */
  audioOff = false;
  videoOff = false;
  /** The resume secret and the last event number seen: what a resume presents. */
  resumeToken: string | undefined;
  lastSeq = 0;
  /** What the app was told of the room: a fresh join after a reconnect announces the differences. */
  readonly peers = new Set<string>();
  readonly streams = new Map<string, SeenStream>();
  private readonly subs_ = new Map<string, Subscription>();

  constructor(
    readonly roomId: string,
    readonly userId: string,
    /** The newest token (join, then updateToken), for a fresh join when a resume is refused. */
    public token: string,
    public sessionId: string,
    public tokenExpireAt: number,
  ) {}

  subscribed(uid: string, screen: boolean): Subscription | undefined {
    return this.subs_.get(keyOf(uid, screen));
  }

  addSubscription(s: Subscription): void {
    this.subs_.set(keyOf(s.uid, s.screen), s);
  }

  removeSubscription(uid: string, screen: boolean): void {
    this.subs_.delete(keyOf(uid, screen));
  }

  /** A remote user left: none of their streams can still be played. */
  removeUser(uid: string): void {
    this.removeSubscription(uid, false);
    this.removeSubscription(uid, true);
  }

  get subscriptions(): Subscription[] {
    return [...this.subs_.values()];
  }

  /** Keeps the room view in step with an event the app is about to receive. */
  track(name: EventName, p: Record<string, unknown>): void {
    const uid = p.uid as string;
    const k = keyOf(uid, p.screen === true);
    const s = this.streams.get(k);
    switch (name) {
      case EVENTS.PEER_ONLINE:
        this.peers.add(uid);
        break;
      case EVENTS.PEER_LEAVE:
        this.peers.delete(uid);
        for (const screen of [false, true]) this.streams.delete(keyOf(uid, screen));
        this.removeUser(uid);
        break;
      case EVENTS.STREAM_ADDED: {
        const st = p.streamPublishState as { audio?: unknown; video?: unknown };
        this.streams.set(k, { uid, screen: p.screen === true, audio: st.audio !== false, video: st.video !== false });
        break;
      }
      case EVENTS.STREAM_REMOVED:
        // The server ends every subscription to a removed stream (whatever removed it): after
        // STREAM_ADDED the app subscribes again.
        this.streams.delete(k);
        this.removeSubscription(uid, p.screen === true);
        break;
      case EVENTS.MUTE_AUDIO:
      case EVENTS.UNMUTE_AUDIO:
        if (s) s.audio = name === EVENTS.UNMUTE_AUDIO;
        break;
      case EVENTS.MUTE_VIDEO:
      case EVENTS.UNMUTE_VIDEO:
        if (s) s.video = name === EVENTS.UNMUTE_VIDEO;
        break;
    }
  }
}
