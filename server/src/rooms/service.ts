// Runs the room rules (ops.ts) against the store, then carries out their effects: events to
// sessions, kicks, media plane calls. The only place where room state meets the outside world.
import { CODES } from '../codes.js';
import type { MediaEvent, MediaPlane, StreamKey } from '../media/plane.js';
import { reportFault, type ServerEvents } from '../ops/events.js';
import type { Effect, Outcome } from './effects.js';
import type { Limits } from './limits.js';
import { type MemberRecord, type RoomKey, type RoomRecord } from './model.js';
import * as ops from './ops.js';
import type { RoomStore } from './store.js';

/** Where events for sessions go: the signaling layer (or, multi-node, a pub/sub bus). */
export interface SessionSink {
  event(sessionId: string, event: string, data: unknown): void;
  kick(sessionId: string, code: number, reason: string): void;
  /** Called before an event's first audience delivery: send what the visible members got so far. */
  beforeAudience?(): void;
  /** Called after the operation's last effect when beforeAudience was: what follows is not its audience's. */
  afterAudience?(): void;
}

export interface MemberView {
  userId: string;
  visible: boolean;
  businessId: string | null;
  joinedAt: number;
  tokenExpireAt: number;
}

export interface RoomView {
  appId: string;
  roomId: string;
  members: MemberView[];
  streams: ops.WireStreamState[];
  subscriptions: { subscriberId: string; userId: string; screen: boolean; audio: boolean; video: boolean; pausedAudio: boolean; pausedVideo: boolean }[];
}

/** A value now (one process), or once a shared store answered. */
export type Maybe<T> = T | Promise<T>;

/** Lifetime of URLs issued to a token that never expires: the client gets a fresh one on republish. */
const NEVER_URL_TTL_S = 24 * 3600;

export class RoomService {
  private readonly offMedia: () => void;
  /** Where joins, takeovers and leaves are told to the operators' logs and metrics. */
  events: ServerEvents | undefined;

  constructor(
    private readonly store: RoomStore,
    private readonly media: MediaPlane,
    private readonly limits: Limits,
    private readonly sink: SessionSink,
    private readonly clock: () => number = Date.now,
  ) {
    this.offMedia = media.onEvent((e) => {
      this.onMediaEvent(e).catch((err) => reportFault(this.events, 'media event failed', err));
    });
  }

  dispose(): void {
    this.offMedia();
  }

  private nowSec(): number {
    return Math.floor(this.clock() / 1000);
  }

  // join and leave are the busiest: with nobody observing, they hand back run()'s own promise
  // (an async wrapper would add a promise and its microtask turns to every join and leave).
  join(key: RoomKey, input: Omit<ops.JoinInput, 'now'>): Maybe<Outcome<ops.JoinData>> {
    // The caller's object gets the time (a copy with it would be made on every join).
    const full = input as ops.JoinInput;
    full.now = this.clock();
    const r = this.run(key, (room) => ops.join(room, full, this.limits));
    const events = this.events;
    if (!events?.active) return r;
    const told = (o: Outcome<ops.JoinData>): Outcome<ops.JoinData> => {
      if (o.ok) events.emit({ type: 'joined', ...key, userId: input.userId, visible: input.visible, takeover: o.data.replacedSessionId !== null });
      return o;
    };
    return r instanceof Promise ? r.then(told) : told(r);
  }

  leave(key: RoomKey, userId: string, sessionId: string, reason: ops.LeaveReason): Maybe<Outcome<Record<string, never>>> {
    const r = this.run(key, (room) => ops.leave(room, userId, sessionId, reason));
    const events = this.events;
    if (!events?.active) return r;
    const told = (o: Outcome<Record<string, never>>): Outcome<Record<string, never>> => {
      if (o.ok) events.emit({ type: 'left', ...key, userId, reason });
      return o;
    };
    return r instanceof Promise ? r.then(told) : told(r);
  }

  /**
   * Removes a user on an operator's request: it leaves with reason 'kicked' (the others hear
   * peer-leave), and its session is told DISCONNECT with KICKED and closed.
   */
  async kick(key: RoomKey, userId: string, reason: string): Promise<Outcome<Record<string, never>>> {
    const sessionId = await this.store.read(key, (room) => room?.members.get(userId)?.sessionId);
    if (sessionId === undefined) return { ok: false, code: CODES.NOT_IN_ROOM, reason: 'no such user in this room', effects: [] };
    const r = await this.run(key, (room) => {
      const o = ops.leave(room, userId, sessionId, 'kicked');
      if (o.ok) o.effects.unshift({ kind: 'kick', sessionId, code: CODES.KICKED, reason });
      return o;
    });
    if (r.ok) this.events?.emit({ type: 'left', ...key, userId, reason: 'kicked' });
    return r;
  }

  async publish(key: RoomKey, userId: string, sessionId: string, screen: boolean): Promise<Outcome<{ url: string }>> {
    const r = await this.run(key, (room) => ops.publish(room, userId, sessionId, screen, this.limits, this.nowSec()));
    if (!r.ok) return r;
    if (r.data.url) return { ok: true, data: { url: r.data.url }, effects: [] };
    try {
      const url = this.media.issuePushUrl(r.data.key, this.urlExpiry(r.data.expireAt));
      await this.run(key, (room) => ops.rememberPushUrl(room, userId, screen, url));
      return { ok: true, data: { url }, effects: [] };
    } catch (e) {
      // No URL, no stream: undo so the room does not announce a stream nobody can push.
      await this.run(key, (room) => ops.unpublish(room, userId, sessionId, screen));
      return { ok: false, code: CODES.SERVER_ERROR, reason: `media plane refused the push: ${String(e)}`, effects: [] };
    }
  }

  unpublish(key: RoomKey, userId: string, sessionId: string, screen: boolean): Maybe<Outcome<Record<string, never>>> {
    return this.run(key, (room) => ops.unpublish(room, userId, sessionId, screen));
  }

  async subscribe(key: RoomKey, userId: string, sessionId: string, input: ops.SubscribeInput): Promise<Outcome<{ url: string }>> {
    const r = await this.run(key, (room) => ops.subscribe(room, userId, sessionId, input, this.nowSec()));
    if (!r.ok) return r;
    try {
      const options = { audio: input.audio, video: input.video };
      const expireAt = this.urlExpiry(r.data.expireAt);
      // A cluster node asks the relay that holds the stream; one process issues it at once.
      const url = this.media.issuePlayUrlAsync
        ? await this.media.issuePlayUrlAsync(r.data.key, userId, options, expireAt)
        : this.media.issuePlayUrl(r.data.key, userId, options, expireAt);
      return { ok: true, data: { url }, effects: [] };
    } catch (e) {
      await this.run(key, (room) => ops.unsubscribe(room, userId, sessionId, input.userId, input.screen));
      return { ok: false, code: CODES.SERVER_ERROR, reason: `media plane refused the play: ${String(e)}`, effects: [] };
    }
  }

  unsubscribe(key: RoomKey, userId: string, sessionId: string, target: string, screen: boolean): Maybe<Outcome<Record<string, never>>> {
    return this.run(key, (room) => ops.unsubscribe(room, userId, sessionId, target, screen));
  }

  muteLocal(key: RoomKey, userId: string, sessionId: string, audioOff: boolean, videoOff: boolean): Maybe<Outcome<Record<string, never>>> {
    return this.run(key, (room) => ops.muteLocal(room, userId, sessionId, audioOff, videoOff));
  }

  muteRemote(key: RoomKey, userId: string, sessionId: string, input: ops.MuteRemoteInput): Maybe<Outcome<Record<string, never>>> {
    return this.run(key, (room) => ops.muteRemote(room, userId, sessionId, input));
  }

  setVisibility(key: RoomKey, userId: string, sessionId: string, visible: boolean): Maybe<Outcome<Record<string, never>>> {
    return this.run(key, (room) => ops.setVisibility(room, userId, sessionId, visible, this.limits));
  }

  /**
   * updateToken: records the new token's expiry and privileges and extends the user's media URLs.
   * A URL the plane cannot extend in place is replaced, and the user hears UPDATE_URL with it.
   */
  async renewToken(
    key: RoomKey,
    userId: string,
    sessionId: string,
    tokenExpireAt: number,
    privileges: Map<number, number>,
  ): Promise<Outcome<Record<string, never>>> {
    const r = await this.run(key, (room) => ops.renewToken(room, userId, sessionId, tokenExpireAt, privileges));
    if (!r.ok) return r;
    for (const u of r.data.urls) {
      try {
        const url = this.media.extendUrl(u.key, u.subscriberId, this.urlExpiry(u.expireAt));
        if (!url) continue;
        if (u.subscriberId === null) await this.run(key, (room) => ops.rememberPushUrl(room, userId, u.key.screen, url));
        this.sink.event(sessionId, 'update-url', { uid: u.key.userId, screen: u.key.screen, url });
      } catch (e) {
        // The old URL keeps its old lifetime; the token itself is renewed.
        reportFault(this.events, 'extending a media URL failed', e);
      }
    }
    return { ok: true, data: {}, effects: [] };
  }

  /** A snapshot of one room for operators and tests; undefined when the room does not exist. */
  inspect(key: RoomKey): Promise<RoomView | undefined> {
    return this.store.read(key, (room) => {
      if (!room) return undefined;
      return {
        appId: room.appId,
        roomId: room.roomId,
        members: [...room.members.values()].map(view),
        streams: [...room.streams.values()].map((s) => ({ uid: s.userId, screen: s.screen, audio: s.audio, video: s.video })),
        subscriptions: [...room.subscriptions.values()].map((s) => ({ ...s })),
      };
    });
  }

  rooms(appId?: string): Promise<RoomKey[]> {
    return this.store.list(appId);
  }

  private urlExpiry(expireAt: number): number {
    return expireAt === 0 ? this.nowSec() + NEVER_URL_TTL_S : expireAt;
  }

  /** One process: the change and its effects happen now, and the outcome is at hand (no wait). */
  private run<T>(key: RoomKey, op: (room: RoomRecord) => Outcome<T>): Maybe<Outcome<T>> {
    const store = this.store;
    if (store.updateNow) {
      const outcome = store.updateNow(key, op);
      this.applyAll(outcome.effects);
      return outcome;
    }
    return store.update(key, op).then((outcome) => {
      this.applyAll(outcome.effects);
      return outcome;
    });
  }

  private applyAll(effects: Effect[]): void {
    // A large audience costs time to serve: the people in the call are not kept waiting for it.
    let audience = false;
    for (const effect of effects) {
      if (effect.kind === 'event' && effect.audience) audience = true;
      else this.apply(effect);
    }
    if (!audience) return;
    this.sink.beforeAudience?.();
    for (const effect of effects) {
      if (effect.kind !== 'event' || !effect.audience) continue;
      for (const to of effect.to) this.tell(to, effect.event, effect.data);
    }
    // One process answers the next frame right away: it must not count as this audience.
    this.sink.afterAudience?.();
  }

  private tell(to: string, event: string, data: unknown): void {
    try {
      this.sink.event(to, event, data);
    } catch (err) {
      reportFault(this.events, 'effect event failed', err);
    }
  }

  private apply(e: Effect): void {
    // One failing listener or relay call must not stop the others from hearing of the change.
    try {
      switch (e.kind) {
        case 'event':
          // (An audience's events are told one by one by applyAll, after everything else.)
          if (!e.audience) this.sink.event(e.to, e.event, e.data);
          break;
        case 'kick':
          this.sink.kick(e.sessionId, e.code, e.reason);
          break;
        case 'endPush':
          this.media.endPush(e.key, e.reason);
          break;
        case 'endPlay':
          this.media.endPlay(e.key, e.subscriberId);
          break;
        case 'pausePlay':
          this.media.setPlayPaused(e.key, e.subscriberId, e.paused);
          break;
      }
    } catch (err) {
      reportFault(this.events, `effect ${e.kind} failed`, err);
    }
  }

  /**
   * A push that ended by itself, or never started, fails its stream (stream-failed to the
   * publisher, stream-removed to the others); a push that starts again brings it back.
   */
  private async onMediaEvent(e: MediaEvent): Promise<void> {
    const k: StreamKey = e.key;
    const room: RoomKey = { appId: k.appId, roomId: k.roomId };
    await this.run(room, (r) => (e.type === 'push-started' ? ops.pushStarted(r, k.userId, k.screen) : ops.pushFailed(r, k.userId, k.screen, e.reason)));
  }
}

function view(m: MemberRecord): MemberView {
  return { userId: m.userId, visible: m.visible, businessId: m.businessId, joinedAt: m.joinedAt, tokenExpireAt: m.tokenExpireAt };
}
