// After a fresh join the server's room is new to the client: tell the app what changed while
// it was away, as the events it would have heard, so its view of the room stays right.
import { EVENTS } from '../../generated/events.js';
import { streamAdded, type JoinAnswer } from '../payloads.js';
import type { ServerEventInbox } from '../server-events.js';
import { keyOf, type Session } from '../session.js';

/**
 * Tells the app how the room differs from what it was told (through the inbox, which keeps the
 * session's view in step): after a fresh join on a reconnect, and after the join itself (a new
 * session has seen nobody yet: everyone is announced).
 */
export function announceDifferences(s: Session, data: JoinAnswer, inbox: ServerEventInbox): void {
  const deliver: ServerEventInbox['deliver_'] = (...a) => inbox.deliver_(...a);
  const peers = new Set(data.peers.filter((p) => p !== s.userId_));
  const streams = new Map(data.streams.filter((x) => x.uid !== s.userId_).map((x) => [keyOf(x.uid, x.screen), x]));
  for (const [k, old] of [...s.streams_]) {
    if (!streams.has(k)) deliver(s, EVENTS.STREAM_REMOVED, { uid: old.uid, screen: old.screen });
  }
  for (const uid of [...s.peers_]) if (!peers.has(uid)) deliver(s, EVENTS.PEER_LEAVE, { uid, reason: 'timeout' });
  for (const uid of peers) if (!s.peers_.has(uid)) deliver(s, EVENTS.PEER_ONLINE, { uid });
  for (const [k, now] of streams) {
    const old = s.streams_.get(k);
    const p = { uid: now.uid, screen: now.screen };
    if (!old) deliver(s, EVENTS.STREAM_ADDED, streamAdded(now));
    else {
      if (old.audio !== now.audio) deliver(s, now.audio ? EVENTS.UNMUTE_AUDIO : EVENTS.MUTE_AUDIO, p);
      if (old.video !== now.video) deliver(s, now.video ? EVENTS.UNMUTE_VIDEO : EVENTS.MUTE_VIDEO, p);
    }
  }
}
