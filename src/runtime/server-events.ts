// Server events to app events (an inbox, not a media relay): only the events a server may send,
// checked for shape, in order and once each (a resume replays what was missed), and never ahead
// of the join answer.
import * as ERROR_CODES from './codes.js';
import { EVENTS, EVENT_VALUES, type EventName, type EventPayloads } from '../generated/events.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import type { Emit } from './emitter.js';
import { rtcError } from './errors.js';
import { asEventPayload } from './payloads.js';
import type { Session } from './session.js';
import type { Connection } from './signaling/connection.js';

/** The events a server may send: every event but the client's own. */
type ServerEvent = Exclude<EventName, typeof EVENTS.ERROR | typeof EVENTS.CONNECTION_STATE_CHANGED>;

/** What the inbox needs of the runtime (the runtime itself). */
export interface ServerEventHost {
  /** The room's connection: events from any other one are stale. */
  readonly conn_: Connection | undefined;
  readonly session_: Session | undefined;
  /** The server's DISCONNECT event. */
  serverDisconnect_(why: { code: number; reason: string }): void;
  emit_: Emit;
  emitError_(err: VolcEngineRTCError): void;
}

export class ServerEventInbox {
  /** The connection whose join/resume answer is awaited: its events wait until the answer is handled. */
  private awaiting_: Connection | undefined;
  private early_: [string, unknown, number | undefined][] = [];

  constructor(private readonly host_: ServerEventHost) {}

  /** A join or resume goes out on conn: hold its events until flush(conn). */
  hold_(conn: Connection | undefined): void {
    this.awaiting_ = conn;
    this.early_ = [];
  }

  /** The answer is handled: deliver what overtook it. */
  flush_(conn: Connection): void {
    if (this.awaiting_ !== conn) return;
    this.awaiting_ = undefined;
    const early = this.early_;
    this.early_ = [];
    for (const [name, data, seq] of early) this.receive_(conn, name, data, seq);
  }

  /** The answer will not come (or not from conn, if given; none: the room is left): drop what is held. */
  release_(conn?: Connection): void {
    if (conn === undefined || this.awaiting_ === conn) this.hold_(undefined);
  }

  receive_(conn: Connection, name: string, data: unknown, seq: number | undefined): void {
    if (this.awaiting_ === conn) {
      this.early_.push([name, data, seq]);
      return;
    }
    if (this.host_.conn_ !== conn) return;
    const s = this.host_.session_;
    if (s && seq !== undefined) {
      if (seq <= s.lastSeq_) return; // already delivered before the socket dropped
      s.lastSeq_ = seq;
    }
    // Only the events a server may send; a newer server's unknown events are ignored, and the
    // client's own (ERROR, CONNECTION_STATE_CHANGED) cannot be forged.
    if (name === EVENTS.ERROR || name === EVENTS.CONNECTION_STATE_CHANGED || EVENT_VALUES.indexOf(name as EventName) < 0) return;
    const payload = asEventPayload(name, data);
    if (!payload) {
      this.host_.emitError_(rtcError(ERROR_CODES.PROTOCOL_ERROR, `the server sent a malformed "${name}" event`));
      return;
    }
    if (name === EVENTS.DISCONNECT) {
      this.host_.serverDisconnect_(payload as { code: number; reason: string });
      return;
    }
    if (!s) return; // events before the join answer belong to no room yet
    // The push failed: publish may be called again (the server then reissues the URL).
    if (name === EVENTS.STREAM_FAILED && payload.uid === s.userId_ && payload.screen !== true) s.publishing_ = false;
    this.deliver_(s, name as ServerEvent, payload);
  }

  /** Tells the app, keeping the session's view of the room in step. */
  deliver_<E extends ServerEvent>(s: Session, name: E, payload: EventPayloads[E] | Record<string, unknown>): void {
    const p = payload as Record<string, unknown>;
    if (typeof p.uid === 'string' && p.uid !== s.userId_) s.track_(name, p);
    // The payload's shape was checked (asEventPayload) or built here.
    this.host_.emit_(name, payload as EventPayloads[E]);
  }
}
