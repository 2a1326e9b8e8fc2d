// After a fresh join the server knows nothing of the old session's streams: publish and
// subscribe again as before, so the app only has to swap in the URLs (UPDATE_URL).
import * as ERROR_CODES from '../codes.js';
import { EVENTS } from '../../generated/events.js';
import type { VolcEngineRTCError } from '../../generated/types.js';
import type { Emit } from '../emitter.js';
import { rtcError, toRtcError } from '../errors.js';
import { sendPublish, sendSubscribe } from '../room.js';
import { keyOf, type Session } from '../session.js';
import type { RoomRequest } from '../room.js';

/** What restoring needs of the runtime (the runtime itself). */
export interface RestoreIo {
  request_: RoomRequest;
  /** The session the client is in now: another one (or none) means it left meanwhile. */
  readonly session_: Session | undefined;
  emit_: Emit;
  emitError_(err: VolcEngineRTCError): void;
}

/**
 * After a fresh join: publish and subscribe again as before, handing out the new URLs. These
 * are ordinary calls: a drop in the middle resumes and resends them like any other.
 */
export async function restore(s: Session, io: RestoreIo): Promise<void> {
  const gone = (e: unknown): boolean => {
    const code = (e as VolcEngineRTCError).code;
    // Left, destroyed or given up meanwhile: DISCONNECT (or the app's leave) said it all.
    return io.session_ !== s || code === ERROR_CODES.CONNECTION_LOST || code === ERROR_CODES.NOT_IN_ROOM;
  };
  const failed = (what: string, e: unknown): void => {
    const err = toRtcError(e, what);
    io.emitError_(rtcError(err.code, `${what} after the reconnect failed: ${err.reason}`));
  };
  if (s.publishing_) {
    try {
      const url = await sendPublish(io, s);
      io.emit_(EVENTS.UPDATE_URL, { uid: s.userId_, screen: false, url });
      if (s.audioOff_ || s.videoOff_) await io.request_(s, { type: 'muteLocal', audio: s.audioOff_, video: s.videoOff_ });
    } catch (e) {
      if (gone(e)) return;
      s.publishing_ = false;
      failed('publish', e);
    }
  }
  for (const sub of [...s.subs_.values()]) {
    if (!s.streams_.has(keyOf(sub.uid, sub.screen))) {
      s.removeSubscription_(sub.uid, sub.screen);
      continue;
    }
    try {
      const url = await sendSubscribe(io, s, sub);
      io.emit_(EVENTS.UPDATE_URL, { uid: sub.uid, screen: sub.screen, url });
      if (sub.pausedAudio_ || sub.pausedVideo_) {
        await io.request_(s, { type: 'muteRemote', userId: sub.uid, screen: sub.screen, audio: sub.pausedAudio_, video: sub.pausedVideo_ });
      }
    } catch (e) {
      if (gone(e)) return;
      s.removeSubscription_(sub.uid, sub.screen);
      failed(`subscribe to ${sub.uid}`, e);
    }
  }
}
