// What the server tells its operators about: one typed fan-out that the signaling layer, the
// room service and the media plane emit on, and that the logger and the metrics listen to.
// Events carry ids and outcomes only: never a token, a resume secret or a signed URL.
import type { MediaEvent } from '../media/plane.js';

export type ServerEvent =
  /** A port was opened: signaling, relay, admin, relay callbacks. */
  | { type: 'listening'; what: string; url: string }
  | { type: 'socket-open'; ip: string }
  | { type: 'socket-close'; ip: string; code: number }
  /** A signaling limit tripped (docs/server.md "Limits"): what, for whom, and the close code if it closed. */
  | {
      type: 'limit';
      limit: 'send-buffer' | 'message-rate' | 'byte-rate' | 'frame-size' | 'frame-depth' | 'sockets' | 'token-refusals';
      ip: string;
      closed?: number;
    }
  /** A request was answered (join refusals included): its type, outcome and handling time. */
  | {
      type: 'request';
      request: string;
      ok: boolean;
      code?: number;
      reason?: string;
      ms: number;
      ip: string;
      appId?: string;
      roomId?: string;
      userId?: string;
      screen?: boolean;
      target?: string;
    }
  /** A member entered a room; `takeover` when it replaced an earlier session of the same user. */
  | { type: 'joined'; appId: string; roomId: string; userId: string; visible: boolean; takeover: boolean }
  | { type: 'left'; appId: string; roomId: string; userId: string; reason: string }
  | { type: 'media'; event: MediaEvent }
  /** The relay's own health: a restart of its process, or it going down / coming up. */
  | { type: 'relay'; state: 'up' | 'down' | 'restarted'; reason?: string; restarts?: number }
  /** A line the relay process wrote (guard refusals, contained library errors); queries cut. */
  | { type: 'relay-log'; level: 'error' | 'warn' | 'info'; message: string }
  | { type: 'admin'; action: string; ok: boolean; ip: string; appId?: string; roomId?: string; userId?: string; code?: string; reason?: string };

export type ServerEventListener = (event: ServerEvent) => void;

export class ServerEvents {
  private readonly listeners = new Set<ServerEventListener>();
  /** Where unexpected failures go when the server has a logger (set by createOps); else stderr. */
  faultSink: ((what: string, error: unknown) => void) | null = null;

  /** A failure the server did not expect (a bug, a broken dependency): logged, never thrown. */
  fault(what: string, error: unknown): void {
    if (this.faultSink) {
      try {
        return this.faultSink(what, error);
      } catch {
        // A broken logger: stderr below.
      }
    }
    console.error(`[mprtc-server] ${what}:`, error);
  }

  /** Returns a function that removes the listener. */
  on(listener: ServerEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** False while nobody listens: emitters may skip building events (the request timing wrapper does). */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  emit(event: ServerEvent): void {
    if (this.listeners.size === 0) return;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // Observing the server must never disturb it.
      }
    }
  }
}

/** For code that may run without a server's bus (a RoomService built on its own): stderr then. */
export function reportFault(events: ServerEvents | undefined, what: string, error: unknown): void {
  if (events) events.fault(what, error);
  else console.error(`[mprtc-server] ${what}:`, error);
}
