// Shapes what the server sends into the documented event payloads, defensively: a payload
// that does not fit is reported on ERROR instead of reaching app code half-formed.
import type { WireStream } from '@mprtc/protocol';
import { EVENTS } from '../generated/events.js';
import { PROTOCOL_ERROR } from './codes.js';
import { isObject, isRtcError, rtcError } from './errors.js';

export function isWireStream(v: unknown): v is WireStream {
  return isObject(v) && typeof v.uid === 'string' && typeof v.screen === 'boolean' && typeof v.audio === 'boolean' && typeof v.video === 'boolean';
}

export function streamAdded(s: WireStream): { uid: string; screen: boolean; streamPublishState: { audio: boolean; video: boolean } } {
  return { uid: s.uid, screen: s.screen, streamPublishState: { audio: s.audio, video: s.video } };
}

/** The server's answer to a join: the room as it stands (the server's own JoinData is its part of it). */
export interface JoinAnswer {
  sessionId: string;
  /** For a later resume; absent from servers that do not offer one (or malformed: no resume then). */
  resumeToken?: string;
  peers: string[];
  streams: WireStream[];
}

/** The parts of the answer the SDK uses, checked (the expiry it also carries is the server's business). */
export function asJoinAnswer(v: unknown): JoinAnswer | undefined {
  if (!isObject(v)) return undefined;
  const { sessionId, peers, streams, resumeToken } = v;
  if (typeof sessionId !== 'string' || !Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) return undefined;
  if (!Array.isArray(streams) || !streams.every(isWireStream)) return undefined;
  const ok = typeof resumeToken === 'string' && resumeToken.length > 0 && resumeToken.length <= 128;
  return { sessionId, peers, streams, resumeToken: ok ? resumeToken : undefined };
}

/** The URL of a publish or subscribe answer; an answer without one is the server's fault. */
export function urlOf(method: string, v: unknown): string {
  if (isObject(v) && typeof v.url === 'string' && v.url.length > 0) return v.url;
  throw rtcError(PROTOCOL_ERROR, `${method}: the server answered without a URL`);
}

/** An event payload: an object with at least a string uid where the event names a user. */
export function asEventPayload(name: string, data: unknown): Record<string, unknown> | undefined {
  if (!isObject(data)) return undefined;
  // Events about a user carry its uid; these two of the server's are about the client itself.
  if (name !== EVENTS.DISCONNECT && name !== EVENTS.TOKEN_WILL_EXPIRE && typeof data.uid !== 'string') return undefined;
  if (name === EVENTS.STREAM_ADDED && !isObject(data.streamPublishState)) {
    // The wire form of a stream (audio/video at the top) becomes the documented payload.
    return isWireStream(data) ? streamAdded(data) : undefined;
  }
  if (name === EVENTS.DISCONNECT && !isRtcError(data)) return undefined;
  return data;
}
