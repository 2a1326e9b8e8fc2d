// The narrow interface between room state (signaling) and whatever relays the media.
// The embedded RTMP relay implements it; an external relay (SRS with HTTP callbacks) can too.

import type { StreamKey } from '@mprtc/protocol';

/** One published stream: a user's main stream or screen share, in one room of one app (@mprtc/protocol). */
export type { StreamKey };

export interface PlayOptions {
  audio: boolean;
  video: boolean;
}

export type MediaEvent =
  | { type: 'push-started'; key: StreamKey }
  /** The push ended: the publisher stopped, the connection dropped, or it was ended by endPush. */
  | { type: 'push-stopped'; key: StreamKey; reason: string }
  /** publish() issued a URL but no push arrived in time. */
  | { type: 'push-timeout'; key: StreamKey; reason: string };

export interface MediaPlane {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A URL only this user can push this stream to, until expireAt (Unix seconds). */
  issuePushUrl(key: StreamKey, expireAt: number): string;
  /** A URL only this subscriber can play this stream with, until expireAt (Unix seconds). */
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string;
  /** Ends the push of a stream and revokes its URL (unpublish, leave, kick, token expiry). */
  endPush(key: StreamKey, reason: string): void;
  /** Pauses or resumes delivery of a stream to one subscriber (muteRemote). */
  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void;
  /** Ends one subscriber's play session and revokes its URL (unsubscribe, leave). */
  endPlay(key: StreamKey, subscriberId: string): void;
  /**
   * The user renewed its token: its push URL (subscriberId null) or its play URL of this stream
   * now lasts until expireAt. Returns the URL to use from now on when the old one cannot be
   * extended (the client then hears UPDATE_URL), or null when it keeps working (or none exists).
   */
  extendUrl(key: StreamKey, subscriberId: string | null, expireAt: number): string | null;
  /**
   * Optional: a plane that must ask elsewhere for a play URL (a cluster node whose relay does
   * not hold the stream) issues it here; the room service then uses this instead of issuePlayUrl.
   */
  issuePlayUrlAsync?(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): Promise<string>;
  /** Returns a function that removes the listener. */
  onEvent(listener: (event: MediaEvent) => void): () => void;
}
