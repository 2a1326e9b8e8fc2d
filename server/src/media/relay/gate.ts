// Decides, message by message, what one subscriber receives: only the tracks its URL grants,
// nothing while paused, and after a resume nothing until the next video keyframe so its
// decoder restarts cleanly (players need no reconnect).

import type { TagKind } from './tags.js';

export interface GateTracks {
  audio: boolean;
  video: boolean;
}

export class DeliveryGate {
  private paused = false;
  // Start on a keyframe too: a late joiner's first frame must be decodable.
  private waitingForKey = true;

  constructor(readonly tracks: GateTracks) {}

  get isPaused(): boolean {
    return this.paused;
  }

  setPaused(paused: boolean): void {
    if (this.paused && !paused) this.waitingForKey = true;
    this.paused = paused;
  }

  /** sourceHasVideo: whether the stream carries video at all (else audio must not wait for a key). */
  admit(kind: TagKind, sourceHasVideo: boolean): boolean {
    switch (kind) {
      case 'stream-header':
      case 'script':
      case 'other':
        return true;
      // Decoder configuration passes even while paused, so a publisher that restarts with new
      // parameters during a pause is still decodable on resume.
      case 'audio-config':
        return this.tracks.audio;
      case 'video-config':
        return this.tracks.video;
      case 'video-key':
        if (this.paused || !this.tracks.video) return false;
        this.waitingForKey = false;
        return true;
      case 'video':
        return !this.paused && this.tracks.video && !this.waitingForKey;
      case 'audio':
        if (this.paused || !this.tracks.audio) return false;
        return !(this.waitingForKey && this.tracks.video && sourceHasVideo);
    }
  }
}

/** The FLV file header announces which tracks follow; make it tell the truth for this subscriber. */
export function rewriteFlvHeader(header: Buffer, tracks: GateTracks): Buffer {
  const copy = Buffer.from(header);
  copy[4] = (tracks.audio ? 0x04 : 0) | (tracks.video ? 0x01 : 0);
  return copy;
}
