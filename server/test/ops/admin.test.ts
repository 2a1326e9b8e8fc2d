import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { startServer } from '../../src/signaling/server.js';
import { APP_ID, APP_KEY, RawClient } from '../support/client.js';
import { SECRET, login, serveWithAdmin } from './support.js';

const room = `/admin/api/apps/${APP_ID}/rooms/room1`;

/** Every route of the admin port that is not the login form or the login itself. */
const ROUTES: [string, string][] = [
  ['GET', '/admin/api/apps'],
  ['GET', `/admin/api/apps/${APP_ID}/rooms`],
  ['GET', room],
  ['GET', `${room}/reports`],
  ['DELETE', `${room}/members/alice`],
  ['DELETE', room],
  ['POST', '/admin/api/tokens'],
  ['GET', '/metrics'],
  ['GET', '/dashboard/app.js'],
  ['GET', '/dashboard/app.css'],
  ['GET', '/dashboard/uplot.js'],
  ['GET', '/dashboard/uplot.css'],
  ['GET', '/dashboard/codes.json'],
  ['POST', '/dashboard/logout'],
  ['GET', '/no/such/route'],
];

describe('admin port: authentication', () => {
  it('refuses every route without the secret, with a wrong one, and with a made-up cookie; nothing changes', async () => {
    // Enough failed attempts allowed for this sweep (the limiter has its own test).
    const { url, track, http, server } = await serveWithAdmin({}, { maxFailedLogins: 1000 });
    const alice = track(await RawClient.connect(url));
    await alice.join('room1', 'alice');
    const wrong = [
      { auth: null },
      { auth: 'ops-test-secret-012345678X' },
      { auth: SECRET.slice(0, -1) },
      { auth: null, cookie: 'mprtc_admin=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    ];
    for (const [method, path] of ROUTES) {
      for (const o of wrong) {
        const r = await http(method, path, { ...o, ...(method === 'GET' ? {} : { body: { appId: APP_ID, roomId: 'room1', userId: 'eve' } }) });
        expect(r.status, `${method} ${path} ${JSON.stringify(o)}`).toBe(401);
        expect(r.json).toEqual({ error: { code: 'UNAUTHORIZED', reason: expect.any(String) } });
        expect(r.text).not.toContain('alice');
      }
    }
    // Bearer scheme only: the secret in another scheme is refused too.
    expect((await http('GET', '/admin/api/apps', { auth: null, headers: { authorization: `Basic ${SECRET}` } })).status).toBe(401);
    expect((await server.rooms.inspect({ appId: APP_ID, roomId: 'room1' }))?.members.map((m) => m.userId)).toEqual(['alice']);
    expect(alice.events('disconnect')).toHaveLength(0);
    // The dashboard page itself answers with the login form, and no data.
    const page = await http('GET', '/dashboard', { auth: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post" action="/dashboard/login">');
    expect(page.text).not.toContain('app.js');
    // With the secret the same routes answer.
    expect((await http('GET', '/admin/api/apps')).status).toBe(200);
  });

  it('slows guessing: past maxFailedLogins failures an address is refused (429) even with the right secret', async () => {
    const { http } = await serveWithAdmin({}, { maxFailedLogins: 3 });
    for (let i = 0; i < 3; i++) expect((await http('GET', '/admin/api/apps', { auth: 'x'.repeat(20) })).status).toBe(401);
    const r = await http('GET', '/admin/api/apps');
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('does not open the port without a secret of at least 16 characters', async () => {
    for (const secret of ['', 'short', '123456789012345']) {
      await expect(startServer({ port: 0, apps: { [APP_ID]: APP_KEY }, admin: { port: 0, secret } })).rejects.toThrow(/at least 16/);
    }
  });

  it('dashboard login: an HttpOnly SameSite=Strict cookie that opens the API; changes need the header; logout ends it', async () => {
    const { base, http } = await serveWithAdmin();
    const bad = await http('POST', '/dashboard/login', { auth: null, raw: 'secret=nope', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(bad.text).toContain('Wrong secret.');
    const { cookie, setCookie } = await login(base);
    expect(setCookie).toMatch(/^mprtc_admin=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toMatch(/Max-Age=\d+/);
    const page = await http('GET', '/dashboard', { auth: null, cookie });
    expect(page.text).toContain('/dashboard/app.js');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await http('GET', '/admin/api/apps', { auth: null, cookie })).status).toBe(200);
    expect((await http('GET', '/dashboard/uplot.js', { auth: null, cookie })).text).toContain('uPlot');
    // A change with the cookie alone (what a cross-site form could send) is refused.
    const csrf = await http('DELETE', `${room}`, { auth: null, cookie });
    expect(csrf.status).toBe(403);
    const out = await http('POST', '/dashboard/logout', { auth: null, cookie, headers: { 'x-mprtc-admin': '1' } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await http('GET', '/admin/api/apps', { auth: null, cookie })).status).toBe(401);
  });
});

describe('admin API', () => {
  it('lists apps and rooms, shows a room, removes a user (DISCONNECT with KICKED), closes a room', async () => {
    const { url, track, http } = await serveWithAdmin();
    const alice = track(await RawClient.connect(url));
    const bob = track(await RawClient.connect(url));
    const carol = track(await RawClient.connect(url));
    await alice.join('room1', 'alice');
    await alice.request('publish', { screen: false });
    await bob.join('room1', 'bob');
    await bob.request('subscribe', { userId: 'alice', screen: false });
    await carol.join('room1', 'carol', { visible: false });

    const apps = await http('GET', '/admin/api/apps');
    expect(apps.json.apps).toContainEqual({ appId: APP_ID, rooms: 1 });
    const rooms = await http('GET', `/admin/api/apps/${APP_ID}/rooms`);
    expect(rooms.json).toEqual({ appId: APP_ID, rooms: [{ roomId: 'room1', members: 3, visible: 2, invisible: 1, streams: 1, subscriptions: 1 }] });
    const view = await http('GET', room);
    expect(view.json.members.map((m: { userId: string }) => m.userId)).toEqual(['alice', 'bob', 'carol']);
    expect(view.json.streams).toEqual([{ uid: 'alice', screen: false, audio: true, video: true }]);
    expect(view.json.subscriptions).toMatchObject([{ subscriberId: 'bob', userId: 'alice', screen: false }]);

    const kick = await http('DELETE', `${room}/members/alice`);
    expect(kick.status).toBe(200);
    expect(kick.json).toEqual({ kicked: 'alice' });
    expect((await alice.waitEvent('disconnect')).data).toEqual({ code: CODES.KICKED, reason: 'removed by an administrator' });
    expect((await alice.waitClose()).code).toBe(4001);
    expect((await bob.waitEvent('stream-removed')).data).toEqual({ uid: 'alice', screen: false });
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'kicked' });
    const again = await http('DELETE', `${room}/members/alice`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('USER_NOT_FOUND');

    const close = await http('DELETE', room);
    expect(close.json).toEqual({ closed: true, kicked: ['bob', 'carol'] });
    for (const c of [bob, carol]) expect((await c.waitEvent('disconnect')).data.code).toBe(CODES.KICKED);
    expect((await http('GET', room)).json.error.code).toBe('ROOM_NOT_FOUND');
    expect((await http('DELETE', room)).status).toBe(404);
  });

  it('mints a token that joins; checks its input', async () => {
    const { url, track, http } = await serveWithAdmin();
    const r = await http('POST', '/admin/api/tokens', { body: { appId: APP_ID, roomId: 'room9', userId: 'dave', ttlSeconds: 600, publish: false } });
    expect(r.status).toBe(201);
    expect(r.json.token).toMatch(/^001/);
    expect(r.json.expireAt).toBeGreaterThan(Date.now() / 1000);
    const dave = track(await RawClient.connect(url));
    expect((await dave.join('room9', 'dave', { token: r.json.token })).ok).toBe(true);
    expect((await dave.request('publish', { screen: false })).error?.code).toBe(CODES.NO_PUBLISH_PRIVILEGE);

    const bad = [
      { appId: 'x'.repeat(24), roomId: 'r', userId: 'u' },
      { appId: APP_ID, roomId: '<script>', userId: 'u' },
      { appId: APP_ID, roomId: 'r', userId: 'u', ttlSeconds: 0 },
      { appId: APP_ID, roomId: 'r', userId: 'u', ttlSeconds: 1e9 },
      { appId: APP_ID, roomId: 'r', userId: 'u', publish: 'yes' },
      { appId: APP_ID, roomId: 'r', userId: 'u', extra: 1 },
    ];
    for (const body of bad) {
      const b = await http('POST', '/admin/api/tokens', { body });
      expect(b.status, JSON.stringify(body)).toBe(400);
      expect(b.json.error.code).toBe('BAD_REQUEST');
    }
    expect((await http('POST', '/admin/api/tokens', { raw: '{not json', headers: { 'content-type': 'application/json' } })).json.error.code).toBe(
      'BAD_REQUEST',
    );
    expect((await http('POST', '/admin/api/tokens', { raw: '[]' })).status).toBe(400);
  });

  it('limits bodies, and answers unknown apps, routes and methods with JSON errors', async () => {
    const { http } = await serveWithAdmin({}, { maxBodyBytes: 1024 });
    const big = await http('POST', '/admin/api/tokens', { raw: JSON.stringify({ appId: APP_ID, pad: 'x'.repeat(5000) }) });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('BODY_TOO_LARGE');
    expect((await http('GET', '/admin/api/apps/aaaaaaaaaaaaaaaaaaaaaaaz/rooms')).json.error.code).toBe('APP_NOT_FOUND');
    expect((await http('GET', '/admin/api/nope')).json.error.code).toBe('NOT_FOUND');
    expect((await http('PUT', `${room}`)).json.error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await http('GET', `/admin/api/apps/${APP_ID}/rooms/%E0%A4%A`)).json.error.code).toBe('BAD_REQUEST');
    expect((await http('DELETE', `${room}/members/${encodeURIComponent('<b>')}`)).json.error.code).toBe('BAD_REQUEST');
  });

  it("serves a room's reports grouped per user, stream and side", async () => {
    const { url, track, http } = await serveWithAdmin();
    const alice = track(await RawClient.connect(url));
    await alice.join('room1', 'alice');
    await alice.request('report', {
      items: [
        { kind: 'pusherNet', at: 1000, info: { videoBitrate: 500, videoFPS: 15 } },
        { kind: 'pusherState', at: 1001, code: 1002, message: 'pushing' },
        { kind: 'playerNet', at: 1002, uid: 'bob', info: { videoBitrate: 400 } },
      ],
    });
    const r = await http('GET', `${room}/reports`);
    expect(r.status).toBe(200);
    expect(r.json.series).toEqual([
      {
        userId: 'alice',
        streamUid: 'alice',
        side: 'pusher',
        net: [{ at: 1000, receivedAt: expect.any(Number), info: { videoBitrate: 500, videoFPS: 15 } }],
        states: [{ at: 1001, receivedAt: expect.any(Number), code: 1002, message: 'pushing' }],
      },
      { userId: 'alice', streamUid: 'bob', side: 'player', net: [{ at: 1002, receivedAt: expect.any(Number), info: { videoBitrate: 400 } }], states: [] },
    ]);
    expect((await http('GET', `${room}/reports?limit=0`)).status).toBe(400);
  });
});
