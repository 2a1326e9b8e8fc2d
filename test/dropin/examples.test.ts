// The example mini-program (examples/miniprogram) run as WeChat would run it: its own app.js
// and page scripts, with the built SDK copied into libs/, one "phone" per person, against the
// real server and relay. Both pages (await and callback style) must reach a call, see each
// other, forward their components' events to the report methods, survive a short trip to the
// background, leave after a long one and come back, and leave.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'acorn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { E2E_APP_ID, mintToken } from '../support/real-server.js';
import { boundHandlers, dataRoots, EXAMPLE_SRC, exampleWithSdk, pageWxml, setConfig, startPhone, type PageInstance, type Phone } from './miniprogram.js';
import { buildDropIn, removeTempDirs, startDropInServer } from './support.js';

const PAGES = ['pages/call/call', 'pages/call-legacy/call-legacy'];

let server: RunningServer;
let root: string;
let opened: { phone: Phone; page: PageInstance }[] = [];
let roomNo = 0;

beforeAll(async () => {
  root = exampleWithSdk(buildDropIn());
  server = await startDropInServer();
});

afterAll(async () => {
  await server?.close();
  removeTempDirs();
});

afterEach(async () => {
  for (const { page, phone } of opened) {
    page.onUnload();
    // Every failure reached the page (its notice), none fell through to console.error.
    expect(phone.logged.error).toEqual([]);
  }
  opened = [];
});

/** A phone with the example app pointed at the test server, showing `route` as `userId`. */
function person(route: string, roomId: string, userId: string, over: Record<string, unknown> = {}, extraWx: Record<string, unknown> = {}): PageInstance {
  // What a developer edits in config.js: this server, this app; reports sent quickly.
  setConfig(root, { server: server.url, appId: E2E_APP_ID, roomId, clientOptions: { reportFlushMs: 20 }, ...over });
  const phone = startPhone(root, extraWx);
  const page = phone.open(route, { userId });
  opened.push({ phone, page });
  return page;
}

/** What the user does: paste the token, tap Join; resolves when the page shows the call. */
async function joinByHand(page: PageInstance, token: string) {
  page.onInput({ currentTarget: { dataset: { field: 'token' } }, detail: { value: token } });
  page.onJoin({ currentTarget: { dataset: {} } });
  expect(page.data.state).toBe('joining');
  return page.until((d) => d.state !== 'joining');
}

function eventually<T>(read: () => Promise<T> | T, ok: (v: T) => boolean): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await read();
      if (!ok(v)) throw new Error(`not yet: ${JSON.stringify(v)?.slice(0, 200)}`);
      return v;
    },
    { timeout: 20_000, interval: 20 },
  );
}

describe.each(PAGES)('%s', (route) => {
  it('binds only handlers the page defines and shows only data it has', () => {
    const page = startPhone(root).open(route, { userId: 'x' });
    const wxml = pageWxml(root, route);
    const handlers = boundHandlers(wxml);
    expect(handlers).toEqual([
      'onInput',
      'onJoin',
      'onLeave',
      'onPlayerNetStatus',
      'onPlayerStateChange',
      'onPusherNetStatus',
      'onPusherStateChange',
      'onRenew',
    ]);
    for (const h of handlers) expect(typeof page[h], h).toBe('function');
    for (const name of dataRoots(wxml)) expect(Object.keys(page.data), name).toContain(name);
    expect(wxml).toMatch(/<live-pusher[^>]*url="\{\{pushUrl\}\}"/);
    expect(wxml).toMatch(/<live-player[^>]*src="\{\{item\.url\}\}"[^>]*data-uid="\{\{item\.uid\}\}"/);
  });

  it('two people reach a call, see each other, report their components, and leave', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(route, room, 'alice');
    expect(alice.data).toMatchObject({ userId: 'alice', roomId: room, state: 'idle' });
    expect(await joinByHand(alice, mintToken(room, 'alice'))).toMatchObject({ state: 'in-call', notice: '' });
    expect(alice.data.pushUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\//);

    const bob = person(route, room, 'bob');
    expect(await joinByHand(bob, mintToken(room, 'bob'))).toMatchObject({ state: 'in-call' });
    // Each sees the other's stream in a <live-player>.
    const bobSees = await bob.until((d) => d.remotes.length === 1);
    const aliceSees = await alice.until((d) => d.remotes.length === 1);
    expect(bobSees.remotes).toEqual([{ key: 'alice', uid: 'alice', screen: false, url: expect.stringMatching(/^rtmp:\/\//) }]);
    expect(aliceSees.remotes).toEqual([{ key: 'bob', uid: 'bob', screen: false, url: expect.stringMatching(/^rtmp:\/\//) }]);
    expect(bobSees.remotes[0].url).not.toBe(alice.data.pushUrl);

    // The components' events, as WeChat delivers them to bindstatechange / bindnetstatus.
    alice.onPusherStateChange({ currentTarget: { dataset: {} }, detail: { code: 1002, message: 'pushing' } });
    alice.onPusherNetStatus({ currentTarget: { dataset: {} }, detail: { info: { videoBitrate: 480, audioBitrate: 48, videoFPS: 15 } } });
    const player = { dataset: { uid: alice.data.remotes[0].uid } };
    alice.onPlayerStateChange({ currentTarget: player, detail: { code: 2004, message: 'playing' } });
    alice.onPlayerNetStatus({ currentTarget: player, detail: { info: { videoBitrate: 400, netSpeed: 600 } } });
    const reports = await eventually(
      () => server.reports.query({ appId: E2E_APP_ID, roomId: room, userId: 'alice' }),
      (r) => r.length === 4,
    );
    expect(reports.map((r) => r.item)).toEqual([
      { kind: 'pusherState', at: expect.any(Number), code: 1002, message: 'pushing' },
      { kind: 'pusherNet', at: expect.any(Number), info: { videoBitrate: 480, audioBitrate: 48, videoFPS: 15 } },
      { kind: 'playerState', at: expect.any(Number), uid: 'bob', code: 2004, message: 'playing' },
      { kind: 'playerNet', at: expect.any(Number), uid: 'bob', info: { videoBitrate: 400, netSpeed: 600 } },
    ]);

    // Alice taps Leave: her page goes back to the form, bob's player goes away.
    alice.onLeave({ currentTarget: { dataset: {} } });
    expect(await alice.until((d) => d.state === 'idle')).toMatchObject({ pushUrl: '', remotes: [] });
    await bob.until((d) => d.remotes.length === 0);
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: room });
    expect(view?.members.map((m) => m.userId)).toEqual(['bob']);
    expect(view?.streams.map((s) => s.uid)).toEqual(['bob']);
  });

  it('renews its token on TOKEN_WILL_EXPIRE: from the backend (config.tokenUrl), or pasted with Renew', async () => {
    const room = `example-${++roomNo}`;
    const nowSec = () => Math.floor(Date.now() / 1000);
    // The server warns 30 s ahead: a token with 32 s left is warned about in 2 s.
    const short = () => nowSec() + 32;
    const renewed = nowSec() + 3600;
    const asked: unknown[] = [];
    const request = (o: { url: string; data: { roomId: string; userId: string }; success: (res: unknown) => void }) => {
      asked.push({ url: o.url, data: o.data });
      setTimeout(() => o.success({ statusCode: 200, data: { token: mintToken(o.data.roomId, o.data.userId, { expireAt: renewed }) } }), 0);
    };
    const alice = person(route, room, 'alice', { tokenUrl: 'https://backend.example.com/token' }, { request });
    const bob = person(route, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice', { expireAt: short() }));
    await joinByHand(bob, mintToken(room, 'bob', { expireAt: short() }));
    const expiry = async (uid: string) =>
      (await server.rooms.inspect({ appId: E2E_APP_ID, roomId: room }))?.members.find((m) => m.userId === uid)?.tokenExpireAt;

    // alice's page asks the backend and renews by itself.
    await eventually(
      () => expiry('alice'),
      (at) => at === renewed,
    );
    expect(asked).toEqual([{ url: 'https://backend.example.com/token', data: { roomId: room, userId: 'alice' } }]);
    expect(alice.data).toMatchObject({ state: 'in-call', notice: '' });
    // bob's page has no backend: it asks for a token; pasting one and tapping Renew renews.
    await bob.until((d) => /paste a new one and tap Renew/.test(d.notice));
    bob.onInput({ currentTarget: { dataset: { field: 'token' } }, detail: { value: mintToken(room, 'bob', { expireAt: renewed }) } });
    bob.onRenew({ currentTarget: { dataset: {} } });
    await eventually(
      () => expiry('bob'),
      (at) => at === renewed,
    );
    expect((await bob.until((d) => d.notice === '')).state).toBe('in-call');
    // A wrong token is refused and said so; the call goes on.
    bob.onInput({ currentTarget: { dataset: { field: 'token' } }, detail: { value: mintToken(room, 'alice') } });
    bob.onRenew({ currentTarget: { dataset: {} } });
    expect((await bob.until((d) => d.notice !== '')).notice).toMatch(/^token renewal: 400012 /);
    expect(bob.data.state).toBe('in-call');
  });

  it('a bad token leaves the page on the form with the reason', async () => {
    const room = `example-${++roomNo}`;
    const carol = person(route, room, 'carol');
    const after = await joinByHand(carol, mintToken(room, 'someone-else'));
    expect(after.state).toBe('idle');
    expect(after.notice).toMatch(/^4000\d\d /);
  });

  it('a short trip to the background keeps the call; a long one leaves, and coming back rejoins', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(route, room, 'alice', { hideGraceMs: 60_000 });
    const bob = person(route, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice'));
    await joinByHand(bob, mintToken(room, 'bob'));
    await bob.until((d) => d.remotes.length === 1);
    const socketsBefore = opened[0]!.phone.sockets.tasks.length;

    // Hidden and back within the grace: nothing changes, no new connection.
    alice.onHide();
    alice.onShow();
    expect(alice.data.state).toBe('in-call');
    expect(alice.hideTimer).toBe(null);

    // Hidden past the grace (made zero here): alice leaves, bob sees her go.
    opened[0]!.phone.app.globalData.hideGraceMs = 0;
    alice.onHide();
    expect(await alice.until((d) => d.state === 'paused')).toMatchObject({ pushUrl: '', remotes: [] });
    await bob.until((d) => d.remotes.length === 0);

    // Back in front: rejoined on a new connection, publishing again, bob sees her again.
    alice.onShow();
    const back = await alice.until((d) => d.state === 'in-call');
    expect(back.pushUrl).toMatch(/^rtmp:\/\//);
    expect(opened[0]!.phone.sockets.tasks.length).toBe(socketsBefore + 1);
    await bob.until((d) => d.remotes.length === 1 && d.remotes[0].uid === 'alice');
    await alice.until((d) => d.remotes.length === 1 && d.remotes[0].uid === 'bob');
  });

  it('suspended past the grace before its timer fired: leaves and rejoins on show', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(route, room, 'alice', { hideGraceMs: 60_000 });
    const bob = person(route, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice'));
    await joinByHand(bob, mintToken(room, 'bob'));
    await bob.until((d) => d.remotes.length === 1);
    const sockets = opened[0]!.phone.sockets.tasks;

    alice.onHide();
    alice.hiddenAt -= 61_000; // WeChat kept the app suspended for a minute: the timer never ran
    const states: string[] = [];
    void alice.until((d) => (states.push(d.state), false));
    alice.onShow();
    await alice.until((d) => d.state === 'in-call' && d.remotes.length === 1);
    expect(states).toEqual(expect.arrayContaining(['leaving', 'paused', 'joining']));
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.socket.readyState).toBe(sockets[0]!.socket.CLOSED);
  });
});

describe.each(PAGES)('%s, connection lost', (route) => {
  it('a dropped socket: the SDK reconnects by itself, the page shows it and stays in the call', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(route, room, 'alice');
    const bob = person(route, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice'));
    await joinByHand(bob, mintToken(room, 'bob'));
    await alice.until((d) => d.remotes.length === 1);
    const tasks = opened[0]!.phone.sockets.tasks;

    tasks.at(-1)!.socket.terminate();
    await alice.until((d) => d.notice === 'reconnecting…');
    expect(await alice.until((d) => d.notice === '')).toMatchObject({ state: 'in-call' });
    expect(tasks).toHaveLength(2);
    await alice.until((d) => d.remotes.length === 1 && d.remotes[0].uid === 'bob');
    await bob.until((d) => d.remotes.length === 1 && d.remotes[0].uid === 'alice');
  });

  it('given up (reconnect off here): paused while hidden and rejoined on show; in front back to the form', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(route, room, 'alice', { hideGraceMs: 60_000, clientOptions: { reconnect: false } });
    const bob = person(route, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice'));
    await joinByHand(bob, mintToken(room, 'bob'));
    const phone = opened[0]!.phone;

    alice.onHide();
    phone.sockets.tasks.at(-1)!.socket.terminate(); // the network drops while in the background
    expect(await alice.until((d) => d.state !== 'in-call')).toMatchObject({ state: 'paused', notice: expect.stringMatching(/^500002 /) });
    alice.onShow();
    await alice.until((d) => d.state === 'in-call' && d.remotes.length === 1);

    phone.sockets.tasks.at(-1)!.socket.terminate(); // and again, in front
    expect(await alice.until((d) => d.state !== 'in-call')).toMatchObject({ state: 'idle', pushUrl: '', remotes: [] });
  });
});

describe('the example source', () => {
  it('is ES2017 (project.config.json turns "ES6 to ES5" off) and reaches the SDK only through libs/', () => {
    const files = readdirSync(EXAMPLE_SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const source = readFileSync(join(EXAMPLE_SRC, f), 'utf8');
      expect(() => parse(source, { ecmaVersion: 2017, sourceType: 'script' }), f).not.toThrow();
      for (const [, id] of source.matchAll(/require\('([^']+)'\)/g)) expect(id, f).toMatch(/^\.\.?\//);
    }
    expect(JSON.parse(readFileSync(join(EXAMPLE_SRC, 'project.config.json'), 'utf8')).setting).toMatchObject({ es6: false, urlCheck: false });
  });
});

describe('the two styles in one room', () => {
  it('an await page and a callback page call each other', async () => {
    const room = `example-${++roomNo}`;
    const alice = person(PAGES[0]!, room, 'alice');
    const bob = person(PAGES[1]!, room, 'bob');
    await joinByHand(alice, mintToken(room, 'alice'));
    await joinByHand(bob, mintToken(room, 'bob'));
    expect((await alice.until((d) => d.remotes.length === 1)).remotes[0].uid).toBe('bob');
    expect((await bob.until((d) => d.remotes.length === 1)).remotes[0].uid).toBe('alice');
  });
});
