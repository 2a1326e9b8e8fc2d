// GrantBook on its own: the relay below it is faked (a live publisher is a string id, a play
// grant's players are a Set of ids), the clock is the settings hook, the push timeout runs on
// vitest's fake timers. The planes built on it are tested end to end in relay-*.test.ts and
// ../media-external.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkPushTimeout, GrantBook, type PlayGrant, type PushGrant } from '../../src/media/grants.js';
import { relayPath } from '../../src/media/names.js';
import type { MediaEvent, StreamKey } from '../../src/media/plane.js';
import { newNonce, signGrant, verifyGrant, type Query } from '../../src/media/signing.js';
import { CODES } from '../../src/codes.js';

const SECRET = 'grant-book-secret-0123';
const TIMEOUT_MS = 15_000;
const NOW = 1_800_000_000;

const alice: StreamKey = { appId: 'app@x.y', roomId: 'room.1', userId: 'alice', screen: false };
const aliceScreen: StreamKey = { ...alice, screen: true };
const bob: StreamKey = { ...alice, userId: 'bob' };

type Players = Set<string>;

function setup() {
  const clock = { now: NOW };
  const events: MediaEvent[] = [];
  const endedPublishers: Array<{ live: string; grant: PushGrant<string> }> = [];
  const dropped: Array<{ grant: PlayGrant<Players>; players: string[] }> = [];
  const book = new GrantBook<string, Players>({
    settings: () => ({ secret: SECRET, pushTimeoutMs: TIMEOUT_MS, now: () => clock.now }),
    pathOf: relayPath,
    emit: (event) => events.push(event),
    newPlayers: () => new Set(),
    endPublisher: (live, grant) => endedPublishers.push({ live, grant }),
    dropPlayers: (grant) => {
      dropped.push({ grant, players: [...grant.players] });
      grant.players.clear();
    },
  });
  return { book, clock, events, endedPublishers, dropped };
}

const parse = (query: string): Record<string, string> => Object.fromEntries(new URLSearchParams(query));
const ofType = (events: MediaEvent[], type: MediaEvent['type']) => events.filter((e) => e.type === type);

beforeEach(() => {
  vi.useFakeTimers();
  vi.clearAllTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('GrantBook: signed queries', () => {
  it('a push grant verifies for push at its path, never for play', () => {
    const { book } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    expect(path).toEqual(relayPath(alice));
    const q = parse(query);
    const verdict = verifyGrant(SECRET, 'push', path, q, NOW);
    expect(verdict.ok).toBe(true);
    expect(verdict.ok && verdict.grant).toMatchObject({ purpose: 'push', expireAt: NOW + 60 });
    expect(verifyGrant(SECRET, 'play', path, q, NOW).ok).toBe(false);
    // Even with a subscriber and tracks added, the MAC was made for pushing.
    expect(verifyGrant(SECRET, 'play', path, { ...q, u: 'alice', m: 'av' }, NOW).ok).toBe(false);
    expect(book.admitPush(path, q)).not.toBeNull();
    expect(book.admitPlay(path, { ...q, u: 'alice', m: 'av' })).toBeNull();
    // Bound to its own stream: the screen share of the same user is another path.
    expect(verifyGrant(SECRET, 'push', relayPath(aliceScreen), q, NOW).ok).toBe(false);
  });

  it('a play grant verifies for play with its subscriber and tracks, never for push', () => {
    const { book } = setup();
    const { path, query } = book.issuePlay(alice, 'bob', { audio: false, video: true }, NOW + 60);
    const q = parse(query);
    expect(q).toMatchObject({ u: 'bob', m: 'v' });
    const verdict = verifyGrant(SECRET, 'play', path, q, NOW);
    expect(verdict.ok && verdict.grant).toMatchObject({ purpose: 'play', subscriber: 'bob', tracks: 'v' });
    expect(verifyGrant(SECRET, 'push', path, q, NOW).ok).toBe(false);
    expect(book.admitPlay(path, q)?.subscriberId).toBe('bob');
    expect(book.admitPush(path, q)).toBeNull();
  });

  it('signs the tracks the options ask for', () => {
    const { book } = setup();
    const tracks = (audio: boolean, video: boolean) => parse(book.issuePlay(alice, 'bob', { audio, video }, 0).query).m;
    expect([tracks(true, true), tracks(true, false), tracks(false, true), tracks(false, false)]).toEqual(['av', 'a', 'v', 'none']);
  });
});

describe('GrantBook: one push URL per stream', () => {
  it('reissuing revokes the previous URL and ends its live publisher once, with the reason', () => {
    const { book, events, endedPublishers } = setup();
    const first = book.issuePush(alice, NOW + 60);
    const firstGrant = book.admitPush(first.path, parse(first.query));
    expect(firstGrant).not.toBeNull();
    book.pushStarted(firstGrant!, 'pub-1');
    expect(events).toEqual([{ type: 'push-started', key: alice }]);

    const second = book.issuePush(alice, NOW + 60);
    expect(endedPublishers).toEqual([{ live: 'pub-1', grant: firstGrant }]);
    expect(ofType(events, 'push-stopped')).toEqual([{ type: 'push-stopped', key: alice, reason: 'push URL reissued' }]);
    // The old URL is refused (its signature is still good: revocation is the nonce registry's job).
    expect(verifyGrant(SECRET, 'push', first.path, parse(first.query), NOW).ok).toBe(true);
    expect(book.admitPush(first.path, parse(first.query))).toBeNull();
    expect(book.admitPush(second.path, parse(second.query))).not.toBeNull();
    expect(parse(second.query).n).not.toBe(parse(first.query).n);

    // The cut-off publisher's close arriving later reports no second stop.
    book.pushLeft(firstGrant!, 'pub-1');
    expect(ofType(events, 'push-stopped')).toHaveLength(1);
    expect(endedPublishers).toHaveLength(1);
  });

  it('reissuing over an unused URL revokes it without ending anyone', () => {
    const { book, events, endedPublishers } = setup();
    const first = book.issuePush(alice, NOW + 60);
    book.issuePush(alice, NOW + 60);
    expect(book.admitPush(first.path, parse(first.query))).toBeNull();
    expect(endedPublishers).toEqual([]);
    expect(events).toEqual([]);
  });

  it('keeps its own copy of the key: a caller editing its object later changes nothing', () => {
    const { book, events } = setup();
    const key: StreamKey = { ...alice };
    const { path, query } = book.issuePush(key, NOW + 60);
    key.userId = 'mallory';
    const grant = book.admitPush(path, parse(query))!;
    book.pushStarted(grant, 'pub-1');
    book.endPush(alice, 'unpublish');
    expect(events).toEqual([
      { type: 'push-started', key: alice },
      { type: 'push-stopped', key: alice, reason: 'unpublish' },
    ]);
    const playKey: StreamKey = { ...alice };
    const play = book.issuePlay(playKey, 'bob', { audio: true, video: true }, 0);
    playKey.screen = true;
    expect(book.playAt(play.path, 'bob')?.key).toEqual(alice);
  });

  it('streams are independent: a URL for one key leaves the others valid', () => {
    const { book } = setup();
    const main = book.issuePush(alice, NOW + 60);
    const screen = book.issuePush(aliceScreen, NOW + 60);
    const other = book.issuePush(bob, NOW + 60);
    book.endPush(bob, 'unpublish');
    expect(book.admitPush(main.path, parse(main.query))).not.toBeNull();
    expect(book.admitPush(screen.path, parse(screen.query))).not.toBeNull();
    expect(book.admitPush(other.path, parse(other.query))).toBeNull();
  });

  it('endPush cuts a live push with the given reason and revokes the URL', () => {
    const { book, events, endedPublishers } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    const grant = book.admitPush(path, parse(query))!;
    book.pushStarted(grant, 'pub-1');
    book.endPush(alice, 'kicked');
    expect(endedPublishers).toEqual([{ live: 'pub-1', grant }]);
    expect(events).toEqual([
      { type: 'push-started', key: alice },
      { type: 'push-stopped', key: alice, reason: 'kicked' },
    ]);
    expect(book.pushAt(path)).toBeUndefined();
    expect(book.admitPush(path, parse(query))).toBeNull();
    // Ending it again does nothing more.
    book.endPush(alice, 'kicked');
    book.pushLeft(grant, 'pub-1');
    expect(events).toHaveLength(2);
    expect(endedPublishers).toHaveLength(1);
  });

  it('endPush on a stream that never started only revokes the URL (no event)', () => {
    const { book, events, endedPublishers } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    book.endPush(alice, 'unpublish');
    expect(book.admitPush(path, parse(query))).toBeNull();
    expect(events).toEqual([]);
    expect(endedPublishers).toEqual([]);
  });

  it('a publisher that leaves on its own reports one stop, and its URL lets it back in', () => {
    const { book, events } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    const grant = book.admitPush(path, parse(query))!;
    book.pushStarted(grant, 'pub-1');
    book.pushLeft(grant, 'someone-else'); // not the live publisher: ignored
    expect(ofType(events, 'push-stopped')).toEqual([]);
    book.pushLeft(grant, 'pub-1');
    book.pushLeft(grant, 'pub-1');
    expect(ofType(events, 'push-stopped')).toEqual([{ type: 'push-stopped', key: alice, reason: 'publisher disconnected' }]);
    expect(book.admitPush(path, parse(query))).toBe(grant);
  });
});

describe('GrantBook: push timeout', () => {
  it('fires once and forgets the grant when no push arrived', () => {
    const { book, events } = setup();
    const { path, query } = book.issuePush(alice, NOW + 3600);
    vi.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual([{ type: 'push-timeout', key: alice, reason: `no push arrived within ${TIMEOUT_MS} ms` }]);
    expect(book.pushAt(path)).toBeUndefined();
    expect(book.admitPush(path, parse(query))).toBeNull();
    vi.advanceTimersByTime(TIMEOUT_MS * 10);
    expect(events).toHaveLength(1);
  });

  it('does not fire after a push started, nor after that publisher left', () => {
    const { book, events } = setup();
    const { path, query } = book.issuePush(alice, NOW + 3600);
    vi.advanceTimersByTime(TIMEOUT_MS / 2);
    const grant = book.admitPush(path, parse(query))!;
    expect(vi.getTimerCount()).toBe(1);
    book.pushStarted(grant, 'pub-1');
    // A live push holds no timer (nothing left pending for the process to carry).
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TIMEOUT_MS * 10);
    book.pushLeft(grant, 'pub-1');
    vi.advanceTimersByTime(TIMEOUT_MS * 10);
    expect(ofType(events, 'push-timeout')).toEqual([]);
    expect(book.pushAt(path)).toBe(grant);
  });

  it('a replaced or ended URL never times out; only the current one does', () => {
    const { book, events } = setup();
    book.issuePush(alice, NOW + 3600);
    vi.advanceTimersByTime(TIMEOUT_MS / 2);
    book.issuePush(alice, NOW + 3600);
    book.issuePush(bob, NOW + 3600);
    book.endPush(bob, 'unpublish');
    // Revoked URLs leave no timer behind: only the current alice URL's is pending.
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(TIMEOUT_MS / 2);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(TIMEOUT_MS / 2);
    expect(events).toEqual([{ type: 'push-timeout', key: alice, reason: `no push arrived within ${TIMEOUT_MS} ms` }]);
  });

  it('clear() forgets every grant and stops every timer', () => {
    const { book, events } = setup();
    const push = book.issuePush(alice, 0);
    const play = book.issuePlay(alice, 'bob', { audio: true, video: true }, 0);
    book.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(events).toEqual([]);
    expect(book.admitPush(push.path, parse(push.query))).toBeNull();
    expect(book.admitPlay(play.path, parse(play.query))).toBeNull();
  });
});

describe('GrantBook: play grants', () => {
  it('reissuing keeps the paused flag, drops the old URL and its players', () => {
    const { book, dropped } = setup();
    const first = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    const firstGrant = book.admitPlay(first.path, parse(first.query))!;
    firstGrant.players.add('player-1');
    expect(book.setPaused(alice, 'bob', true)).toBe(firstGrant);
    expect(firstGrant.paused).toBe(true);

    const second = book.issuePlay(alice, 'bob', { audio: false, video: true }, NOW + 60);
    expect(dropped).toEqual([{ grant: firstGrant, players: ['player-1'] }]);
    expect(book.admitPlay(first.path, parse(first.query))).toBeNull();
    const secondGrant = book.admitPlay(second.path, parse(second.query))!;
    expect(secondGrant).not.toBe(firstGrant);
    expect(secondGrant.paused).toBe(true);
    expect(secondGrant.players.size).toBe(0);

    // Resuming and reissuing keeps it resumed.
    book.setPaused(alice, 'bob', false);
    const third = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    expect(book.admitPlay(third.path, parse(third.query))!.paused).toBe(false);
  });

  it('the pause belongs to one subscriber; endPlay forgets it', () => {
    const { book } = setup();
    book.issuePlay(alice, 'bob', { audio: true, video: true }, 0);
    const carol = book.issuePlay(alice, 'carol', { audio: true, video: true }, 0);
    book.setPaused(alice, 'bob', true);
    expect(book.admitPlay(carol.path, parse(carol.query))!.paused).toBe(false);
    book.endPlay(alice, 'bob');
    const again = book.issuePlay(alice, 'bob', { audio: true, video: true }, 0);
    expect(book.admitPlay(again.path, parse(again.query))!.paused).toBe(false);
    // Only true pauses; no grant, nothing to pause.
    expect(book.setPaused(alice, 'bob', 'yes' as unknown as boolean)?.paused).toBe(false);
    expect(book.setPaused(bob, 'carol', true)).toBeNull();
  });

  it('endPlay drops every live player of that subscriber and revokes its URL', () => {
    const { book, dropped } = setup();
    const mine = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    const theirs = book.issuePlay(alice, 'carol', { audio: true, video: true }, NOW + 60);
    const grant = book.admitPlay(mine.path, parse(mine.query))!;
    grant.players.add('rtmp-1');
    grant.players.add('flv-2');
    const other = book.admitPlay(theirs.path, parse(theirs.query))!;
    other.players.add('rtmp-3');

    book.endPlay(alice, 'bob');
    expect(dropped).toEqual([{ grant, players: ['rtmp-1', 'flv-2'] }]);
    expect(grant.players.size).toBe(0);
    expect(book.admitPlay(mine.path, parse(mine.query))).toBeNull();
    expect(book.playAt(mine.path, 'bob')).toBeUndefined();
    // Carol is untouched.
    expect([...other.players]).toEqual(['rtmp-3']);
    expect(book.admitPlay(theirs.path, parse(theirs.query))).toBe(other);
    expect([...book.playsAt(theirs.path)]).toEqual([other]);
    // Ending it again drops nothing more.
    book.endPlay(alice, 'bob');
    expect(dropped).toHaveLength(1);
  });
});

describe('GrantBook: expiry', () => {
  const expiryOf = (book: GrantBook<string, Players>, expireAt: number) => parse(book.issuePush(alice, expireAt).query).e;

  it('0 means never: admitted long after, never swept', () => {
    const { book, clock } = setup();
    const { path, query } = book.issuePush(alice, 0);
    expect(parse(query).e).toBe('0');
    clock.now = NOW + 10 ** 9;
    book.sweep();
    expect(book.admitPush(path, parse(query))).not.toBeNull();
  });

  it('normalises what it is given: whole seconds, capped, unusable values already expired', () => {
    const { book } = setup();
    expect(expiryOf(book, NOW + 60.9)).toBe(String(NOW + 60));
    expect(expiryOf(book, 10 ** 15)).toBe('999999999999');
    for (const bad of [-1, -NOW, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(expiryOf(book, bad)).toBe('1');
    }
  });

  it('a time inside the first second of 1970 is past, not "never"', () => {
    const { book } = setup();
    const { path, query } = book.issuePush(alice, 0.5);
    expect(parse(query).e).toBe('1');
    expect(book.admitPush(path, parse(query))).toBeNull();
  });

  it('refuses a push timeout Node would fire at once', () => {
    for (const bad of [0, -5, 1.5, Number.NaN, 2 ** 31]) expect(() => checkPushTimeout(bad)).toThrow(/pushTimeoutMs/);
    expect(checkPushTimeout(15_000)).toBe(15_000);
  });

  it('every normalised URL is one the verifier accepts, or refuses as expired', () => {
    const { book } = setup();
    const capped = book.issuePush(alice, 10 ** 15);
    expect(book.admitPush(capped.path, parse(capped.query))).not.toBeNull();
    const broken = book.issuePush(bob, Number.NaN);
    expect(verifyGrant(SECRET, 'push', broken.path, parse(broken.query), NOW)).toEqual({ ok: false, code: CODES.TOKEN_EXPIRED, reason: 'expired' });
    expect(book.admitPush(broken.path, parse(broken.query))).toBeNull();
    const play = book.issuePlay(alice, 'bob', { audio: true, video: true }, -5);
    expect(parse(play.query).e).toBe('1');
    expect(book.admitPlay(play.path, parse(play.query))).toBeNull();
  });

  it('a URL is admitted up to its expiry second and refused after', () => {
    const { book, clock } = setup();
    const push = book.issuePush(alice, NOW + 60);
    const play = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    clock.now = NOW + 60;
    expect(book.admitPush(push.path, parse(push.query))).not.toBeNull();
    expect(book.admitPlay(play.path, parse(play.query))).not.toBeNull();
    clock.now = NOW + 61;
    expect(book.admitPush(push.path, parse(push.query))).toBeNull();
    expect(book.admitPlay(play.path, parse(play.query))).toBeNull();
  });
});

describe('GrantBook: sweep', () => {
  it('forgets URLs that expired unused and keeps the rest', () => {
    const { book, clock, events, dropped, endedPublishers } = setup();
    const unusedPush = book.issuePush(alice, NOW + 10);
    const livePush = book.issuePush(bob, NOW + 10);
    const liveGrant = book.admitPush(livePush.path, parse(livePush.query))!;
    book.pushStarted(liveGrant, 'pub-bob');
    const foreverPush = book.issuePush(aliceScreen, 0);
    const unusedPlay = book.issuePlay(alice, 'carol', { audio: true, video: true }, NOW + 10);
    const watchedPlay = book.issuePlay(alice, 'dave', { audio: true, video: true }, NOW + 10);
    book.admitPlay(watchedPlay.path, parse(watchedPlay.query))!.players.add('player-dave');
    const laterPlay = book.issuePlay(alice, 'erin', { audio: true, video: true }, NOW + 100);

    // Expired exactly now is not yet expired.
    clock.now = NOW + 10;
    book.sweep();
    expect(book.pushAt(unusedPush.path)).toBeDefined();
    expect(book.playAt(unusedPlay.path, 'carol')).toBeDefined();

    clock.now = NOW + 11;
    book.sweep();
    expect(book.pushAt(unusedPush.path)).toBeUndefined();
    expect(book.pushAt(livePush.path)).toBe(liveGrant);
    expect(book.pushAt(foreverPush.path)).toBeDefined();
    expect(book.playAt(unusedPlay.path, 'carol')).toBeUndefined();
    expect(book.playAt(watchedPlay.path, 'dave')?.players.size).toBe(1);
    expect(book.playAt(laterPlay.path, 'erin')).toBeDefined();
    // Sweeping cuts nobody off.
    expect(dropped).toEqual([]);
    expect(endedPublishers).toEqual([]);
    expect(ofType(events, 'push-stopped')).toEqual([]);

    // The live push, once its publisher left, is swept too (its URL has expired).
    book.pushLeft(liveGrant, 'pub-bob');
    book.sweep();
    expect(book.pushAt(livePush.path)).toBeUndefined();
  });

  it('a swept push URL reports no timeout later', () => {
    const { book, clock, events } = setup();
    book.issuePush(alice, NOW + 1);
    clock.now = NOW + 2;
    book.sweep();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(events).toEqual([]);
  });
});

describe('GrantBook: admission', () => {
  it('refuses a correctly signed URL whose nonce is not the current one', () => {
    const { book } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    const current = parse(query);
    // Signed with the real secret, so only the nonce registry can refuse it.
    const forged = parse(signGrant(SECRET, { purpose: 'push', path, expireAt: NOW + 60, nonce: newNonce() }));
    expect(verifyGrant(SECRET, 'push', path, forged, NOW).ok).toBe(true);
    expect(book.admitPush(path, forged)).toBeNull();

    const play = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    const forgedPlay = parse(signGrant(SECRET, { purpose: 'play', path, subscriber: 'bob', tracks: 'av', expireAt: NOW + 60, nonce: newNonce() }));
    expect(verifyGrant(SECRET, 'play', path, forgedPlay, NOW).ok).toBe(true);
    expect(book.admitPlay(path, forgedPlay)).toBeNull();
    // A good URL for one subscriber's grant is no URL for another subscriber who has none.
    const stranger = parse(signGrant(SECRET, { purpose: 'play', path, subscriber: 'mallory', tracks: 'av', expireAt: NOW + 60, nonce: parse(play.query).n! }));
    expect(book.admitPlay(path, stranger)).toBeNull();
    // The genuine ones still work.
    expect(book.admitPush(path, current)).not.toBeNull();
    expect(book.admitPlay(path, parse(play.query))).not.toBeNull();
  });

  it('refuses a second publisher while one is live', () => {
    const { book } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    const grant = book.admitPush(path, parse(query))!;
    // Admission alone does not occupy the stream; going live does.
    expect(book.admitPush(path, parse(query))).toBe(grant);
    book.pushStarted(grant, 'pub-1');
    expect(book.admitPush(path, parse(query))).toBeNull();
    book.pushLeft(grant, 'pub-1');
    expect(book.admitPush(path, parse(query))).toBe(grant);
  });

  it('refuses revoked grants, other secrets, other paths and malformed queries', () => {
    const { book } = setup();
    const push = book.issuePush(alice, NOW + 60);
    const play = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    const otherBook = setup().book;
    // Another book with the same secret never issued these nonces.
    expect(otherBook.admitPush(push.path, parse(push.query))).toBeNull();
    expect(book.admitPush(relayPath(bob), parse(push.query))).toBeNull();
    expect(book.admitPlay(relayPath(bob), parse(play.query))).toBeNull();
    const wrongSecret = parse(signGrant('some-other-secret-0123', { purpose: 'push', path: push.path, expireAt: NOW + 60, nonce: parse(push.query).n! }));
    expect(book.admitPush(push.path, wrongSecret)).toBeNull();
    for (const bad of [{}, { ...parse(push.query), sig: undefined }, { ...parse(push.query), n: ['a', 'b'] }] as Query[]) {
      expect(book.admitPush(push.path, bad)).toBeNull();
      expect(book.admitPlay(play.path, bad)).toBeNull();
    }

    book.endPush(alice, 'unpublish');
    book.endPlay(alice, 'bob');
    expect(book.admitPush(push.path, parse(push.query))).toBeNull();
    expect(book.admitPlay(play.path, parse(play.query))).toBeNull();
  });
});
