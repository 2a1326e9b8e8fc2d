// The audience side, written only from the vendor's page in its style (apps/viewer): joins
// invisibly after setBusinessId and setUserVisibility(false) (callbacks, init not awaited),
// subscribes with subscribe(uid, { screen }, onSuccess, onFailure) and plays the host's media
// through the real relay, mutes with muteRemote, stops with unsubscribe(uid), reports its
// player, and tears down with off(event). The host is the meeting app; the only change to
// either app.js is the configure line.
import { describe, expect, it } from 'vitest';
import { playFrames, pushPattern } from '../../server/test/media/support/av.js';
import { needs } from '../support/binaries.js';
import { E2E_APP_ID, mintToken } from '../support/real-server.js';
import { assembleApp, compatSuite, CONFIGURE_LINE, eventsOf, openCall, sdkLines } from './support.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE_MEDIA_TOOLS = needs(['ffmpeg', 'ffprobe'], 'vendor-style viewer app with media');

// The built file, a real server with the embedded relay, and the phones closed after each test.
const suite = compatSuite(HAVE_MEDIA_TOOLS);

const mint = (roomId: string, userId: string) => mintToken(roomId, userId);

describe.runIf(HAVE_MEDIA_TOOLS)('the vendor-style viewer app against the built file', () => {
  it('its app.js differs from vendor code by the one configure line', () => {
    expect(sdkLines('viewer')).toEqual([expect.stringMatching(CONFIGURE_LINE)]);
  });

  it('watches a host invisibly, mutes, stops watching and leaves cleanly', async () => {
    const room = 'compat-live';
    const host = openCall(assembleApp(suite.built, suite.server.url), room, 'host', mint);
    suite.opened.push(host);
    await host.page.until((d) => d.status === 'in-room');
    const push = pushPattern(host.page.data.pushUrl, { seconds: 40 });

    const viewer = openCall(assembleApp(suite.built, suite.server.url, undefined, 'viewer'), room, 'fan', mint, 'pages/watch/watch');
    suite.opened.push(viewer);
    await viewer.page.until((d) => d.status === 'watching');
    expect(eventsOf(viewer.page, 'business-id')).toEqual(['business-id true']);
    expect(eventsOf(viewer.page, 'invisible')).toEqual(['invisible fan']);
    const watching = await viewer.page.until((d) => d.players.length === 1);
    expect(watching.players[0].uid).toBe('host');
    const player = playFrames(watching.players[0].url);
    await player.until((c) => c.video >= 10 && c.audio >= 5, 20_000, "the host on the viewer's player");

    // Invisible: the room lists the viewer as such (and the host hears nothing of it, below).
    const view = await suite.server.rooms.inspect({ appId: E2E_APP_ID, roomId: room });
    expect(view?.members.find((m) => m.userId === 'fan')).toMatchObject({ visible: false, businessId: 'live-viewer' });

    const target = { currentTarget: { dataset: { uid: 'host' } } };
    viewer.page.onPlayerState({ ...target, detail: { code: 2004, message: 'playing' } });
    viewer.page.muteSound(target);
    await viewer.page.until((d) => d.events.includes('muted host'));
    viewer.page.stopWatching(target);
    await viewer.page.until((d) => d.events.includes('unsubscribed host'));
    expect(viewer.page.data.players).toEqual([]);
    await player.exited; // the relay ended the play of an ended subscription
    expect((await suite.server.rooms.inspect({ appId: E2E_APP_ID, roomId: room }))?.subscriptions).toEqual([]);
    // Many round trips after the viewer joined: a peer-online for it would have reached the host.
    expect(eventsOf(host.page, 'peer-online')).toEqual([]);

    for (const p of suite.opened.splice(0).reverse()) {
      p.page.onUnload();
      expect(p.phone.logged.error).toEqual([]);
    }
    await push.exited;
    expect(viewer.page.data.error).toBe('');
  });
});
