// A lost connection in a room: back off, open a new connection, resume the session (the server
// replays what was missed), or join afresh when it no longer has the session and restore what
// the client had. Calls made meanwhile wait on a gate. leave/destroy stop it with nothing left.
import * as ERROR_CODES from '../codes.js';
import type { VolcEngineRTCError } from '../../generated/types.js';
import { rtcError } from '../errors.js';
import { noop, startTimer, stopTimer } from '../host.js';
import type { ResolvedReconnect } from '../options.js';
import type { JoinAnswer } from '../payloads.js';
import type { ServerEventInbox } from '../server-events.js';
import type { Session } from '../session.js';
import type { Connection } from '../signaling/connection.js';
import { backoffMs, RETRYABLE } from './backoff.js';
import { restore, type RestoreIo } from './restore.js';

/** Counts of what reconnecting did, for tests and diagnostics. */
export interface ReconnectStats {
  drops: number;
  attempts: number;
  resumes: number;
  freshJoins: number;
  gaveUp: number;
}

/** What reconnecting needs of the runtime (the runtime itself). */
export interface ReconnectHost extends RestoreIo {
  /** A new connection wired to the runtime, or why none can be made. */
  newConnection_(): Connection | string;
  /** The join request on conn (events that overtake its answer are held by the inbox). */
  joinRequest_(conn: Connection, token: string, roomId: string, userId: string): Promise<JoinAnswer>;
  setConnState_(state: 'reconnecting'): void;
  /** The join (with its answer) or resume on conn is handled: conn is the room's connection (state 'connected'), deliver what waited. */
  joined_(conn: Connection, s: Session, data?: JoinAnswer): void;
  /** Out of the room with DISCONNECT {code, reason}. */
  outOfRoom_(why: { code: number; reason: string }): void;
}

// Why the reconnect closes a connection it tried: no caller waits on it any more.
const CANCELLED = 'dropped';

export class Reconnector {
  readonly stats: ReconnectStats = { drops: 0, attempts: 0, resumes: 0, freshJoins: 0, gaveUp: 0 };
  /**
   * What room calls wait on while reconnecting (undefined when they may go out): a resume opens
   * it (they go out), a fresh join or giving up fails it (they belonged to the lost session).
   */
  waiting_: Promise<void> | undefined;
  /** Ends waiting_: with an error, the calls fail with it. */
  private release_: ((err?: VolcEngineRTCError) => void) | undefined;
  /** The current reconnect loop (a token: a stale loop sees it changed and stops). */
  private run_: object | undefined;
  /** Ends the backoff wait at once (set while waiting). */
  private wake_: (() => void) | undefined;
  /** A connection being tried by the reconnect loop, not yet adopted (a failed one is closed already). */
  private trying_: Connection | undefined;
  private readonly host_: ReconnectHost;
  private readonly inbox_: ServerEventInbox;

  constructor(host: ReconnectHost, inbox: ServerEventInbox) {
    this.host_ = host;
    this.inbox_ = inbox;
  }

  /** The room's connection was lost (and already let go of): start reconnecting. */
  start_(s: Session, r: ResolvedReconnect, cause: VolcEngineRTCError): void {
    this.stats.drops++;
    if (!this.waiting_) {
      this.waiting_ = new Promise((open, fail) => (this.release_ = (err) => (err ? fail(err) : open())));
      this.waiting_.catch(noop); // nobody may be waiting
    }
    const run = {};
    this.run_ = run;
    this.host_.setConnState_('reconnecting');
    void this.loop_(s, r, run, cause);
  }

  /** Ends the wait: with err, calls waiting or in flight fail with it (their session is gone); without, they go out. */
  releaseCalls_(err?: VolcEngineRTCError): void {
    const end = this.release_;
    this.waiting_ = this.release_ = undefined;
    if (end) end(err);
  }

  /** The room is left: stop at once, with no timer or socket left behind. */
  stop_(err: VolcEngineRTCError): void {
    this.run_ = undefined;
    if (this.wake_) this.wake_();
    const trying = this.trying_;
    this.trying_ = undefined;
    if (trying) trying.close_(CANCELLED);
    this.inbox_.release_();
    this.releaseCalls_(err);
  }

  private async loop_(s: Session, r: ResolvedReconnect, run: object, cause: VolcEngineRTCError): Promise<void> {
    let last = cause;
    for (let attempt = 0; attempt < r.maxAttempts; attempt++) {
      await this.wait_(backoffMs(r, attempt, Math.random()));
      if (this.run_ !== run) return;
      const conn = this.host_.newConnection_();
      if (typeof conn === 'string') return this.giveUp_(run, rtcError(ERROR_CODES.CONNECTION_FAILED, conn));
      this.stats.attempts++;
      this.trying_ = conn;
      try {
        await conn.open_();
        if (this.run_ !== run) return conn.close_(CANCELLED);
        return await this.resumeOrJoin_(conn, s, run);
      } catch (e) {
        this.inbox_.release_(conn);
        conn.close_(CANCELLED);
        if (this.run_ !== run) return;
        last = e as VolcEngineRTCError;
        if (!RETRYABLE.has(last.code)) return this.giveUp_(run, last);
      }
    }
    this.giveUp_(run, rtcError(ERROR_CODES.CONNECTION_LOST, `no reconnect in ${r.maxAttempts} attempts (last: ${last.reason})`));
  }

  /** Resume the session; if the server no longer has it, join afresh with the original token. */
  private async resumeOrJoin_(conn: Connection, s: Session, run: object): Promise<void> {
    const { sessionId, resumeToken } = s.answer_;
    if (resumeToken !== undefined) {
      try {
        this.inbox_.hold_(conn);
        await conn.request_({ type: 'resume', sessionId, resumeToken, lastSeq: s.lastSeq_ });
        if (this.run_ !== run) return conn.close_(CANCELLED);
        this.stats.resumes++;
        this.adopt_(conn, s);
        this.releaseCalls_(); // calls in flight are resent, queued ones go out now
        return;
      } catch (e) {
        this.inbox_.release_();
        const code = (e as VolcEngineRTCError).code;
        // Refused (grace period over, events missed): join afresh. KICKED (taken over) and
        // connection failures go back to the loop, which gives up or tries again.
        if (code !== ERROR_CODES.NOT_IN_ROOM && code !== ERROR_CODES.INVALID_PARAMS) throw e;
      }
    }
    const data = await this.host_.joinRequest_(conn, s.token_, s.roomId_, s.userId_);
    if (this.run_ !== run) {
      await conn.request_({ type: 'leave' }).catch(noop);
      return conn.close_(CANCELLED);
    }
    this.stats.freshJoins++;
    // A new session: what the calls in flight or queued meant belonged to the old one.
    this.releaseCalls_(rtcError(ERROR_CODES.CONNECTION_LOST, 'not applied: the session was lost'));
    s.answer_ = data;
    s.lastSeq_ = 0;
    this.adopt_(conn, s, data);
    void restore(s, this.host_);
  }

  private adopt_(conn: Connection, s: Session, data?: JoinAnswer): void {
    this.run_ = undefined;
    this.trying_ = undefined;
    this.host_.joined_(conn, s, data);
  }

  private giveUp_(run: object, err: VolcEngineRTCError): void {
    if (this.run_ !== run) return;
    this.stats.gaveUp++;
    this.host_.outOfRoom_(err);
  }

  /** A cancellable backoff wait: leave and destroy must not leave a timer behind. */
  private wait_(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = startTimer(() => this.wake_!(), ms);
      this.wake_ = () => {
        stopTimer(timer);
        this.wake_ = undefined;
        resolve();
      };
    });
  }
}
