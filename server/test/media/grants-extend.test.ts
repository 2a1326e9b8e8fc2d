// GrantBook.extend (token renewal): the grant's expiry, not the one a URL was signed with,
// decides admission, so an extended URL keeps working past its original expiry and a URL's own
// expiry cannot be edited. The relay below is faked as in grants.test.ts.
import { describe, expect, it } from 'vitest';
import { GrantBook } from '../../src/media/grants.js';
import { relayPath } from '../../src/media/names.js';
import type { StreamKey } from '../../src/media/plane.js';

const SECRET = 'grant-book-secret-0123';
const NOW = 1_800_000_000;
const alice: StreamKey = { appId: 'app@x.y', roomId: 'room.1', userId: 'alice', screen: false };

function setup() {
  const clock = { now: NOW };
  const book = new GrantBook<string, Set<string>>({
    settings: () => ({ secret: SECRET, pushTimeoutMs: 60_000, now: () => clock.now }),
    pathOf: relayPath,
    emit: () => undefined,
    newPlayers: () => new Set(),
    endPublisher: () => undefined,
    dropPlayers: (grant) => grant.players.clear(),
  });
  return { book, clock };
}
const parse = (query: string): Record<string, string> => Object.fromEntries(new URLSearchParams(query));

describe('GrantBook.extend', () => {
  it('an extended push URL is admitted after the expiry it was issued with, until the new one', () => {
    const { book, clock } = setup();
    const { path, query } = book.issuePush(alice, NOW + 60);
    clock.now = NOW + 61;
    expect(book.admitPush(path, parse(query))).toBeNull();
    expect(book.extend(alice, null, NOW + 120)).toBe(true);
    expect(book.admitPush(path, parse(query))).not.toBeNull();
    book.clear(); // and its push timeout
  });

  it('an extended play URL is admitted after its original expiry; not past the new one', () => {
    const { book, clock } = setup();
    const { path, query } = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 60);
    expect(book.extend(alice, 'bob', NOW + 120)).toBe(true);
    clock.now = NOW + 100;
    expect(book.admitPlay(path, parse(query))).not.toBeNull();
    clock.now = NOW + 121;
    expect(book.admitPlay(path, parse(query))).toBeNull();
  });

  it('extending can also shorten (a renewal token that expires sooner); a URL with an edited expiry stays refused', () => {
    const { book, clock } = setup();
    const { path, query } = book.issuePlay(alice, 'bob', { audio: true, video: true }, NOW + 600);
    book.extend(alice, 'bob', NOW + 30);
    clock.now = NOW + 31;
    expect(book.admitPlay(path, parse(query))).toBeNull();
    clock.now = NOW;
    expect(book.admitPlay(path, { ...parse(query), e: String(NOW + 9999) })).toBeNull(); // the MAC covers e
  });

  it('there is nothing to extend for a stream or subscriber without a grant', () => {
    const { book } = setup();
    expect(book.extend(alice, null, NOW + 60)).toBe(false);
    expect(book.extend(alice, 'bob', NOW + 60)).toBe(false);
  });
});
