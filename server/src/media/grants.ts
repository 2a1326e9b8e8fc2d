// The grant bookkeeping every media plane shares: which push and play URLs are valid right now
// (one nonce each, so one URL can be revoked without rotating the secret), the push timeout, and
// revocation. What a live session is and how to cut it off belongs to the relay, so the planes
// pass that in: a node-media-server session and its delivery gates for the embedded relay, the
// relay's client ids and a control-API kick for nginx-rtmp and SRS.

import type { MediaEvent, PlayOptions, StreamKey } from './plane.js';
import { pathId, type RelayPath } from './names.js';
import { newNonce, signGrant, tracksOf, verifyGrant, type Query, type Tracks } from './signing.js';

export interface PushGrant<Live> {
  readonly key: StreamKey;
  readonly path: RelayPath;
  readonly nonce: string;
  /** Unix seconds, 0 = never; moved by extend() when the user's token is renewed. */
  expireAt: number;
  timer: NodeJS.Timeout | null;
  /** The live publisher, once a push with this URL was admitted. */
  live: Live | null;
}

export interface PlayGrant<Players> {
  readonly key: StreamKey;
  readonly path: RelayPath;
  readonly subscriberId: string;
  readonly tracks: Tracks;
  readonly nonce: string;
  /** Unix seconds, 0 = never; moved by extend() when the subscriber's token is renewed. */
  expireAt: number;
  paused: boolean;
  /** The live players admitted with this URL. */
  readonly players: Players;
}

export interface GrantSettings {
  secret: string;
  pushTimeoutMs: number;
  /** Unix seconds. */
  now: () => number;
}

export interface GrantHooks<Live, Players> {
  settings(): GrantSettings;
  /** Where a key's stream lives on this relay. */
  pathOf(key: StreamKey): RelayPath;
  emit(event: MediaEvent): void;
  /** An empty set of live players, for a new play grant. */
  newPlayers(): Players;
  /** Cuts off a live publisher whose URL was revoked. */
  endPublisher(live: Live, grant: PushGrant<Live>): void;
  /** Cuts off every live player of a grant and forgets them. */
  dropPlayers(grant: PlayGrant<Players>): void;
}

export interface Issued {
  path: RelayPath;
  /** The signed query string, without '?'. */
  query: string;
}

function playId(path: RelayPath, subscriberId: string): string {
  return `${pathId(path)}\n${subscriberId}`;
}

/** Unix seconds as given, or already expired when the value is not a usable time. */
function normaliseExpiry(expireAt: number): number {
  if (expireAt === 0) return 0; // never, as in tokens
  if (!Number.isFinite(expireAt) || expireAt < 0) return 1;
  // A time inside the first second of 1970 is past, not "never".
  return Math.max(1, Math.min(Math.floor(expireAt), 999_999_999_999));
}

/**
 * A usable push timeout, or an error naming the problem. Node fires timers set outside
 * 1..2147483647 ms (or NaN) after 1 ms, which would time every push URL out at once.
 */
export function checkPushTimeout(ms: number): number {
  if (!Number.isInteger(ms) || ms < 1 || ms > 2_147_483_647) {
    throw new Error(`pushTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got ${String(ms)}`);
  }
  return ms;
}

export class GrantBook<Live, Players extends { readonly size: number }> {
  private readonly pushes = new Map<string, PushGrant<Live>>();
  private readonly plays = new Map<string, PlayGrant<Players>>();

  constructor(private readonly hooks: GrantHooks<Live, Players>) {}

  issuePush(key: StreamKey, expireAt: number): Issued {
    const { secret, pushTimeoutMs } = this.hooks.settings();
    const path = this.hooks.pathOf(key);
    const id = pathId(path);
    // One valid push URL per stream: a new one revokes the previous one and its session.
    this.revokePush(id, 'push URL reissued');
    const grant: PushGrant<Live> = { key: { ...key }, path, nonce: newNonce(), expireAt: normaliseExpiry(expireAt), timer: null, live: null };
    grant.timer = setTimeout(() => {
      if (this.pushes.get(id) !== grant || grant.live !== null) return;
      this.pushes.delete(id);
      this.hooks.emit({ type: 'push-timeout', key: grant.key, reason: `no push arrived within ${pushTimeoutMs} ms` });
    }, pushTimeoutMs);
    grant.timer.unref();
    this.pushes.set(id, grant);
    return { path, query: signGrant(secret, { purpose: 'push', path, expireAt: grant.expireAt, nonce: grant.nonce }) };
  }

  issuePlay(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): Issued {
    const { secret } = this.hooks.settings();
    const path = this.hooks.pathOf(key);
    const id = playId(path, subscriberId);
    const previous = this.plays.get(id);
    this.revokePlay(id);
    const grant: PlayGrant<Players> = {
      key: { ...key },
      path,
      subscriberId,
      tracks: tracksOf({ audio: options?.audio === true, video: options?.video === true }),
      nonce: newNonce(),
      expireAt: normaliseExpiry(expireAt),
      // A mute (setPlayPaused) belongs to the subscriber and stream, not to one URL.
      paused: previous?.paused ?? false,
      players: this.hooks.newPlayers(),
    };
    this.plays.set(id, grant);
    const query = signGrant(secret, {
      purpose: 'play',
      path,
      subscriber: subscriberId,
      tracks: grant.tracks,
      expireAt: grant.expireAt,
      nonce: grant.nonce,
    });
    return { path, query };
  }

  endPush(key: StreamKey, reason: string): void {
    this.revokePush(pathId(this.hooks.pathOf(key)), String(reason));
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.revokePlay(playId(this.hooks.pathOf(key), subscriberId));
  }

  /** Records the pause and returns the grant, so the plane can apply it to live players. */
  setPaused(key: StreamKey, subscriberId: string, paused: boolean): PlayGrant<Players> | null {
    const grant = this.plays.get(playId(this.hooks.pathOf(key), subscriberId));
    if (!grant) return null;
    grant.paused = paused === true;
    return grant;
  }

  /**
   * Moves the expiry of a stream's push URL (subscriberId null) or of one subscriber's play URL,
   * after the user renewed its token. The URL itself stays as issued: its nonce names the grant,
   * and the grant's expiry is the one that counts, so a pusher or player reconnecting with it
   * after the expiry it was issued with is still let in. False when there is no such grant.
   */
  extend(key: StreamKey, subscriberId: string | null, expireAt: number): boolean {
    const path = this.hooks.pathOf(key);
    const grant = subscriberId === null ? this.pushes.get(pathId(path)) : this.plays.get(playId(path, subscriberId));
    if (!grant) return false;
    grant.expireAt = normaliseExpiry(expireAt);
    return true;
  }

  /** The grant a publish attempt may use: a valid signature, the current URL, and no publisher yet. */
  admitPush(path: RelayPath, query: Query): PushGrant<Live> | null {
    const verdict = this.verify('push', path, query);
    if (!verdict) return null;
    const grant = this.pushes.get(pathId(path));
    // Current URL only, and one publisher per stream.
    if (!grant || grant.nonce !== verdict.nonce || grant.live !== null || this.expired(grant.expireAt)) return null;
    return grant;
  }

  /** The grant a play attempt may use: a valid signature and the current URL for its subscriber. */
  admitPlay(path: RelayPath, query: Query): PlayGrant<Players> | null {
    const verdict = this.verify('play', path, query);
    if (!verdict || verdict.purpose !== 'play') return null;
    const grant = this.plays.get(playId(path, verdict.subscriber));
    if (!grant || grant.nonce !== verdict.nonce || this.expired(grant.expireAt)) return null;
    return grant;
  }

  /**
   * The signed grant in a URL, checked for signature and form. Its expiry is checked against the
   * registry's grant instead (extend() may have moved it); the URL's own expiry only bounds a URL
   * whose grant is gone, and such a URL is refused anyway.
   */
  private verify(purpose: 'push' | 'play', path: RelayPath, query: Query) {
    const verdict = verifyGrant(this.hooks.settings().secret, purpose, path, query, 0);
    return verdict.ok ? verdict.grant : null;
  }

  private expired(expireAt: number): boolean {
    return expireAt !== 0 && expireAt < this.hooks.settings().now();
  }

  /** The current push grant of a stream. */
  pushAt(path: RelayPath): PushGrant<Live> | undefined {
    return this.pushes.get(pathId(path));
  }

  /** The current play grant of one subscriber to a stream. */
  playAt(path: RelayPath, subscriberId: string): PlayGrant<Players> | undefined {
    return this.plays.get(playId(path, subscriberId));
  }

  /** Every current play grant of a stream. */
  *playsAt(path: RelayPath): Iterable<PlayGrant<Players>> {
    const id = pathId(path);
    for (const grant of this.plays.values()) if (pathId(grant.path) === id) yield grant;
  }

  /** A publisher went live with this grant: the timeout no longer applies. */
  pushStarted(grant: PushGrant<Live>, live: Live): void {
    grant.live = live;
    if (grant.timer) clearTimeout(grant.timer);
    grant.timer = null;
    this.hooks.emit({ type: 'push-started', key: grant.key });
  }

  /** The publisher left on its own. The URL stays valid, so its reconnect is let in again. */
  pushLeft(grant: PushGrant<Live>, live: Live): void {
    if (grant.live !== live) return;
    grant.live = null;
    this.hooks.emit({ type: 'push-stopped', key: grant.key, reason: 'publisher disconnected' });
  }

  /**
   * The relay lost every live session at once (its process died): each live push is reported
   * stopped with the reason. URLs stay valid, as after any dropped push.
   */
  relayLost(reason: string): void {
    for (const grant of this.pushes.values()) {
      if (grant.live === null) continue;
      grant.live = null;
      this.hooks.emit({ type: 'push-stopped', key: grant.key, reason });
    }
  }

  /** Forgets URLs that expired unused, so streams nobody ended do not pile up. */
  sweep(): void {
    const now = this.hooks.settings().now();
    const expired = (expireAt: number) => expireAt !== 0 && expireAt < now;
    for (const [id, grant] of this.pushes) {
      if (!expired(grant.expireAt) || grant.live !== null) continue;
      if (grant.timer) clearTimeout(grant.timer);
      this.pushes.delete(id);
    }
    for (const [id, grant] of this.plays) if (expired(grant.expireAt) && grant.players.size === 0) this.plays.delete(id);
  }

  /** Forgets every grant without touching live sessions (the plane is stopping). */
  clear(): void {
    for (const grant of this.pushes.values()) if (grant.timer) clearTimeout(grant.timer);
    this.pushes.clear();
    this.plays.clear();
  }

  private revokePush(id: string, reason: string): void {
    const grant = this.pushes.get(id);
    if (!grant) return;
    this.pushes.delete(id);
    if (grant.timer) clearTimeout(grant.timer);
    const live = grant.live;
    if (live === null) return;
    grant.live = null; // so its close does not report a second stop
    this.hooks.endPublisher(live, grant);
    this.hooks.emit({ type: 'push-stopped', key: grant.key, reason });
  }

  private revokePlay(id: string): void {
    const grant = this.plays.get(id);
    if (!grant) return;
    this.plays.delete(id);
    this.hooks.dropPlayers(grant);
  }
}
