// A meeting app written only from the vendor's page, in its style (see apps/meeting), run on two
// "phones" against the BUILT single file, the real server and the real RTMP relay, with only the
// configure line added to its app.js: new Client() with no arguments, init not awaited,
// callbacks with `.then` after them, subscribe(uid) without options, the report methods, and
// removeAllListeners before binding and in teardown. ffmpeg pushes to the URL the page got from
// publish, ffprobe plays the URL the other page got from subscribe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playFrames, pushPattern } from '../../server/test/media/support/av.js';
import { needs } from '../support/binaries.js';
import { E2E_APP_ID, mintToken } from '../support/real-server.js';
import { APPS, assembleApp, compatSuite, CONFIGURE_LINE, eventsOf, openCall, sdkLines } from './support.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE_MEDIA_TOOLS = needs(['ffmpeg', 'ffprobe'], 'vendor-style meeting app with media');

// The built file, a real server with the embedded relay, and the phones closed after each test.
const suite = compatSuite(HAVE_MEDIA_TOOLS);

const mint = (roomId: string, userId: string) => mintToken(roomId, userId);

describe.runIf(HAVE_MEDIA_TOOLS)('the vendor-style meeting app against the built file', () => {
  it('its app.js differs from vendor code by the one configure line, and it names this app', () => {
    expect(sdkLines('meeting')).toEqual([expect.stringMatching(CONFIGURE_LINE)]);
    expect(readFileSync(join(APPS, 'meeting', 'app.js'), 'utf8')).toContain(E2E_APP_ID);
  });

  it('two people join, see each other, and media flows from one to the other; leaving and teardown are clean', async () => {
    const root = assembleApp(suite.built, suite.server.url);
    const room = 'compat-meeting';
    const alice = openCall(root, room, 'alice', mint);
    suite.opened.push(alice);
    await alice.page.until((d) => d.status === 'in-room');
    expect(alice.page.data.pushUrl).toMatch(/^rtmp:\/\//);
    const bob = openCall(root, room, 'bob', mint);
    suite.opened.push(bob);
    await bob.page.until((d) => d.status === 'in-room');

    // Each sees the other online, publishing, and gets a play URL from subscribe(uid).
    await alice.page.until((d) => d.players.some((p: { uid: string }) => p.uid === 'bob'));
    const bobSees = await bob.page.until((d) => d.players.some((p: { uid: string }) => p.uid === 'alice'));
    expect(eventsOf(bob.page, 'peer-online')).toEqual(['peer-online alice']);
    expect(eventsOf(alice.page, 'peer-online')).toEqual(['peer-online bob']);
    expect(eventsOf(alice.page, 'joined')).toEqual(['joined alice']);

    const push = pushPattern(alice.page.data.pushUrl, { seconds: 30 });
    const player = playFrames(bobSees.players.find((p: { uid: string }) => p.uid === 'alice').url);
    await player.until((c) => c.video >= 10 && c.audio >= 10, 20_000, "alice on bob's player");

    // The components' events reach the server through the report methods.
    alice.page.onPusherState({ detail: { code: 1002, message: 'pushing' } });
    alice.page.onPusherNet({ detail: { info: { videoBitrate: 300, videoFPS: 15 } } });
    bob.page.onPlayerState({ currentTarget: { dataset: { uid: 'alice' } }, detail: { code: 2004, message: 'playing' } });

    // bob hangs up (callback form); alice hears it and the stream goes.
    bob.page.hangUp();
    await bob.page.until((d) => d.status === 'left');
    await alice.page.until((d) => d.events.includes('peer-leave bob'));
    expect(eventsOf(alice.page, 'stream-removed')).toEqual(['stream-removed bob']);
    expect(push.child.exitCode).toBeNull(); // alice's push is untouched

    // Teardown: removeAllListeners and destroy; nothing was left for console.error.
    for (const p of suite.opened.splice(0)) {
      p.page.onUnload();
      expect(p.phone.logged.error).toEqual([]);
    }
    await push.exited; // destroy left the room: the relay ends alice's push
  });
});
