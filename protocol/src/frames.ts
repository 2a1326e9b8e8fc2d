// The signaling frames between the SDK runtime and the server: JSON text over one WebSocket.
// Types and constants only; docs/protocol.md is the prose version. Bump PROTOCOL_VERSION on any
// incompatible change.

export const PROTOCOL_VERSION = 1;

export interface WireError {
  code: number; // an ERROR_CODES value
  reason: string;
}

/** A stream as both sides describe it. `screen` tells the main stream from a screen share. */
export interface WireStream {
  uid: string;
  screen: boolean;
  audio: boolean; // the publisher sends audio (not muted)
  video: boolean;
}

/** Client -> server. Every request carries an id; the server answers it exactly once. */
export type Request =
  | { type: 'join'; appId: string; token: string; roomId: string; userId: string; businessId?: string; visible: boolean }
  /** Takes back a session whose socket dropped, within the server's grace period. */
  | { type: 'resume'; sessionId: string; resumeToken: string; lastSeq: number }
  | { type: 'leave' }
  | { type: 'publish'; screen: boolean }
  | { type: 'unpublish'; screen: boolean }
  | { type: 'subscribe'; userId: string; screen: boolean; audio: boolean; video: boolean }
  | { type: 'unsubscribe'; userId: string; screen: boolean }
  | { type: 'muteLocal'; audio: boolean; video: boolean } // true = disabled
  | { type: 'muteRemote'; userId: string; screen: boolean; audio: boolean; video: boolean } // true = paused
  | { type: 'setVisibility'; visible: boolean }
  | { type: 'report'; items: ReportItem[] }
  /** A new token for the session: same app, room and user; moves the token's expiry. */
  | { type: 'updateToken'; token: string };

export type RequestFrame = Request & { v: typeof PROTOCOL_VERSION; id: number };

/** What each request's successful response carries. */
export interface ResponseData {
  /** resumeToken: the secret a later `resume` presents (servers without resume leave it out). */
  join: { sessionId: string; resumeToken?: string; peers: string[]; streams: WireStream[]; tokenExpireAt: number };
  /** The events after lastSeq follow the response, in order. */
  resume: { sessionId: string; tokenExpireAt: number; replayed: number };
  leave: Record<string, never>;
  publish: { url: string };
  unpublish: Record<string, never>;
  subscribe: { url: string };
  unsubscribe: Record<string, never>;
  muteLocal: Record<string, never>;
  muteRemote: Record<string, never>;
  setVisibility: Record<string, never>;
  report: { accepted: number };
  /** The new token's expiry (Unix seconds, 0 = never); TOKEN_WILL_EXPIRE is due before it. */
  updateToken: { tokenExpireAt: number };
}

/** Pushed by the WeChat components through the report* methods; kept per user and stream. */
export type ReportItem =
  | { kind: 'pusherState'; at: number; code: number; message: string }
  | { kind: 'pusherNet'; at: number; info: Record<string, unknown> }
  | { kind: 'playerState'; at: number; uid: string; code: number; message: string }
  | { kind: 'playerNet'; at: number; uid: string; info: Record<string, unknown> };

/** Server -> client. */
export type ServerFrame =
  | { v: typeof PROTOCOL_VERSION; type: 'response'; id: number; ok: true; data: unknown }
  | { v: typeof PROTOCOL_VERSION; type: 'response'; id: number; ok: false; error: WireError }
  /** An unsolicited error: a frame that could not be matched to a request (no id, bad JSON). */
  | { v: typeof PROTOCOL_VERSION; type: 'error'; error: WireError }
  /** Events use the EVENTS values as names (peer-online, stream-added, ...). */
  /**
   * seq lets a resume ask for the events it missed: increasing for a session, not consecutive
   * (the server numbers the room's events; a session skips those it did not hear).
   */
  | { v: typeof PROTOCOL_VERSION; type: 'event'; event: string; data: unknown; seq?: number }
  | { v: typeof PROTOCOL_VERSION; type: 'pong'; t: number };

/** Application-level heartbeat: mini-program sockets expose no ping frames. */
export interface PingFrame {
  v: typeof PROTOCOL_VERSION;
  type: 'ping';
  t: number;
}
