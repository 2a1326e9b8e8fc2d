// A call longer than its tokens: the meeting app with the renewal block of apps/long-meeting
// (on TOKEN_WILL_EXPIRE: a new token from the backend, then updateToken) lasts three times its
// tokens' life with media flowing through the real relay, and nobody sees a leave. The same
// call without renewal (the plain meeting app) ends as documented: TOKEN_WILL_EXPIRE, then
// DISCONNECT {TOKEN_EXPIRED}; the others hear PEER_LEAVE and STREAM_REMOVED; the relay ends the push.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playFrames, pushPattern } from '../../server/test/media/support/av.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { needs } from '../support/binaries.js';
import { E2E_APP_ID, mintToken } from '../support/real-server.js';
import { APPS, assembleApp, compatSuite, eventsOf, openCall, type Person } from './support.js';

/** Every token the backend hands out lives this long (whole seconds: token times are seconds). */
const TOKEN_LIFE_S = 4;
const nowSec = () => Math.floor(Date.now() / 1000);
const shortToken = (roomId: string, userId: string) => mintToken(roomId, userId, { expireAt: nowSec() + TOKEN_LIFE_S });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE_MEDIA_TOOLS = needs(['ffmpeg', 'ffprobe'], 'calls longer than a token with media');

// The built file and a real server with the embedded relay; warned 1.5 s before expiry: time for
// the backend round trip and updateToken.
const suite = compatSuite(HAVE_MEDIA_TOOLS, { tokenWarnBeforeMs: 1_500 });

const players = (p: Person) => p.page.data.players as { uid: string; url: string }[];

describe.runIf(HAVE_MEDIA_TOOLS)('calls longer than a token', () => {
  it('long-meeting is the meeting app plus the renewal block, nothing else', () => {
    const plain = readFileSync(join(APPS, 'meeting', 'pages', 'call', 'call.js'), 'utf8');
    const renewing = readFileSync(join(APPS, 'long-meeting', 'pages', 'call', 'call.js'), 'utf8');
    const body = (s: string) => s.split('\n').filter((l) => !l.startsWith('//'));
    const withoutBlock = renewing.replace(/ *\/\/ renewal:[\s\S]*?\/\/ end of renewal\n/, '');
    expect(withoutBlock).not.toBe(renewing);
    expect(body(withoutBlock)).toEqual(body(plain));
  });

  it('with renewals: three token lives with media flowing, and nobody sees a leave', async () => {
    const root = assembleApp(suite.built, suite.server.url, 'long-meeting');
    const room = 'compat-long';
    const started = Date.now();
    const alice = openCall(root, room, 'alice', shortToken);
    const bob = openCall(root, room, 'bob', shortToken);
    suite.opened.push(alice, bob);
    await alice.page.until((d) => d.status === 'in-room');
    await bob.page.until((d) => d.status === 'in-room');
    const aliceOnBob = (await bob.page.until((d) => d.players.some((p: { uid: string }) => p.uid === 'alice'))).players.find(
      (p: { uid: string }) => p.uid === 'alice',
    ).url;

    const push = pushPattern(alice.page.data.pushUrl, { seconds: TOKEN_LIFE_S * 3 + 20 });
    const player = playFrames(aliceOnBob);
    await player.until((c) => c.video >= 10, 20_000, "alice on bob's player");

    // Three token lives, each person renewing at every warning.
    const renewed = (p: Person) => eventsOf(p.page, 'token-renewed').length;
    await alice.page.until((d) => d.events.filter((e: string) => e.startsWith('token-renewed')).length >= 3);
    await bob.page.until((d) => d.events.filter((e: string) => e.startsWith('token-renewed')).length >= 3);
    const left = started + TOKEN_LIFE_S * 3 * 1000 - Date.now();
    if (left > 0) await sleep(left);
    expect(renewed(alice)).toBeGreaterThanOrEqual(3);

    // Media still flows now: new frames keep arriving on the player that has run all along.
    const before = player.counts.video;
    await player.until((c) => c.video >= before + 15, 20_000, 'frames after three token lives');
    expect(push.child.exitCode).toBeNull();
    // The play URL bob got at the start outlived the expiry it was issued with: a player
    // (re)connecting with it now is let in, and no UPDATE_URL was needed.
    const again = playFrames(aliceOnBob);
    await again.until((c) => c.video >= 5, 20_000, 'a new player on the original play URL');

    for (const p of [alice, bob]) {
      for (const type of ['peer-leave', 'stream-removed', 'disconnect', 'renew-failed', 'update-url']) expect(eventsOf(p.page, type)).toEqual([]);
      expect(p.page.data.status).toBe('in-room');
    }
    const view = await suite.server.rooms.inspect({ appId: E2E_APP_ID, roomId: room });
    expect(view?.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect(players(bob).map((p) => p.uid)).toEqual(['alice']);
  }, 90_000);

  it('without renewal: the call ends as documented when the token expires', async () => {
    const root = assembleApp(suite.built, suite.server.url);
    const room = 'compat-expiring';
    const alice = openCall(root, room, 'alice', shortToken);
    // bob's backend hands out a long token: he stays and watches alice go.
    const bob = openCall(root, room, 'bob', (r, u) => mintToken(r, u));
    suite.opened.push(alice, bob);
    await alice.page.until((d) => d.status === 'in-room');
    await bob.page.until((d) => d.players.some((p: { uid: string }) => p.uid === 'alice'));
    const push = pushPattern(alice.page.data.pushUrl, { seconds: TOKEN_LIFE_S + 30 });

    await alice.page.until((d) => d.status === 'disconnected');
    expect(eventsOf(alice.page, 'disconnect')).toEqual([`disconnect ${ERROR_CODES.TOKEN_EXPIRED}`]);
    await bob.page.until((d) => d.events.includes('peer-leave alice'));
    expect(eventsOf(bob.page, 'stream-removed')).toEqual(['stream-removed alice']);
    expect(players(bob)).toEqual([]);
    await push.exited; // the relay cut the push of a user who is gone
    expect(alice.tokens()).toBe(1);
  }, 60_000);
});
