// The SRS dialect at the HTTP level: SRS is not installable here, so its http_hooks requests are
// built from SRS's documented JSON format (support/hooks.ts) and its HTTP API is a stand-in that
// records kicks. The plane's decisions and events are the same code the nginx-rtmp tests run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaEvent } from '../../src/media/plane.js';
import { ExternalRelayPlane } from '../../src/media/external/index.js';
import { freshKey, inAMinute, SECRET, sameKey } from '../media/support/plane.js';
import { eventually, FakeSrsApi, forge, post, split, srsHook } from './support/hooks.js';

const api = new FakeSrsApi();
const controlErrors: Error[] = [];
let plane: ExternalRelayPlane;
const events: MediaEvent[] = [];

beforeAll(async () => {
  const controlUrl = await api.start();
  plane = new ExternalRelayPlane({
    secret: SECRET,
    dialect: 'srs',
    rtmpBase: 'rtmp://127.0.0.1:1935/live',
    controlUrl,
    onControlError: (e) => controlErrors.push(e),
  });
  await plane.start();
  plane.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await plane?.stop();
  await api.stop();
});

const hook = (body: string) => post(plane.hookUrl, body, 'application/json');
const allowed = { status: 200, body: '{"code":0}' };
const refused = { status: 403, body: '{"code":403}' };
const both = { audio: true, video: true };
const eventsFor = (key: Parameters<typeof sameKey>[0]) => events.filter((e) => sameKey(e.key, key));

describe('ExternalRelayPlane, SRS http_hooks', () => {
  it('on_publish with the push URL is allowed with {"code":0} and gives push-started; on_unpublish gives push-stopped', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    expect(await hook(srsHook('on_publish', url, '341w361a'))).toEqual(allowed);
    expect(eventsFor(key)).toEqual([{ type: 'push-started', key }]);
    // Another client's unpublish does not end this push.
    expect(await hook(srsHook('on_unpublish', url, 'other01'))).toEqual(allowed);
    expect(await hook(srsHook('on_unpublish', url, '341w361a'))).toEqual(allowed);
    expect(eventsFor(key)).toEqual([
      { type: 'push-started', key },
      { type: 'push-stopped', key, reason: 'publisher disconnected' },
    ]);
  });

  it('refuses on_publish with a play URL, on another stream, expired, or forged', async () => {
    const key = freshKey();
    const other = { ...key, userId: 'bob' };
    const pushUrl = plane.issuePushUrl(key, inAMinute());
    plane.issuePushUrl(other, inAMinute());
    const playUrl = plane.issuePlayUrl(key, 'viewer', both, inAMinute());
    expect(await hook(srsHook('on_publish', playUrl, 'c1'))).toEqual(refused);
    const onOther = srsHook('on_publish', pushUrl, 'c2').replaceAll(split(pushUrl).stream, split(plane.issuePushUrl(other, inAMinute())).stream);
    expect(await hook(onOther)).toEqual(refused);
    const expiredKey = freshKey();
    expect(await hook(srsHook('on_publish', plane.issuePushUrl(expiredKey, 1), 'c3'))).toEqual(refused);
    expect(await hook(srsHook('on_publish', forge(pushUrl), 'c4'))).toEqual(refused);
    expect(eventsFor(key)).toEqual([]);
    expect(eventsFor(other)).toEqual([]);
    expect(eventsFor(expiredKey)).toEqual([]);
  });

  it('accepts SRS 4 numeric client ids and kicks the publisher by id on endPush', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    expect(await hook(srsHook('on_publish', url, 1985))).toEqual(allowed);
    // One publisher per stream.
    expect(await hook(srsHook('on_publish', url, 1986))).toEqual(refused);
    plane.endPush(key, 'kicked');
    await eventually(() => api.kicked.includes('1985'), 'the kick of client 1985');
    expect(eventsFor(key)).toEqual([
      { type: 'push-started', key },
      { type: 'push-stopped', key, reason: 'kicked' },
    ]);
    // Revoked: the same URL is refused afterwards, and SRS's unpublish for the kicked client is ignored.
    expect(await hook(srsHook('on_unpublish', url, 1985))).toEqual(allowed);
    expect(await hook(srsHook('on_publish', url, 1987))).toEqual(refused);
    expect(eventsFor(key)).toHaveLength(2);
  });

  it('pausing kicks the player and refuses on_play until resumed; endPlay kicks it and revokes the URL', async () => {
    const key = freshKey();
    const url = plane.issuePlayUrl(key, 'viewer', both, inAMinute());
    expect(await hook(srsHook('on_publish', url, 'p1'))).toEqual(refused);
    expect(await hook(srsHook('on_play', url, 'v1'))).toEqual(allowed);
    plane.setPlayPaused(key, 'viewer', true);
    await eventually(() => api.kicked.includes('v1'), 'the kick of the paused player');
    expect(await hook(srsHook('on_stop', url, 'v1'))).toEqual(allowed);
    expect(await hook(srsHook('on_play', url, 'v2'))).toEqual(refused);
    plane.setPlayPaused(key, 'viewer', false);
    expect(await hook(srsHook('on_play', url, 'v3'))).toEqual(allowed);
    plane.endPlay(key, 'viewer');
    await eventually(() => api.kicked.includes('v3'), 'the kick on endPlay');
    expect(await hook(srsHook('on_play', url, 'v4'))).toEqual(refused);
    // The stopped player was not kicked again.
    expect(api.kicked.filter((id) => id === 'v1')).toHaveLength(1);
  });

  it('forgets a stopped player even when on_stop carries no param, so it is not kicked later', async () => {
    const key = freshKey();
    const url = plane.issuePlayUrl(key, 'viewer', both, inAMinute());
    expect(await hook(srsHook('on_play', url, 'w1'))).toEqual(allowed);
    expect(await hook(srsHook('on_play', url, 'w2'))).toEqual(allowed);
    const stop = { ...JSON.parse(srsHook('on_stop', url, 'w1')), param: '' };
    expect(await hook(JSON.stringify(stop))).toEqual(allowed);
    plane.endPlay(key, 'viewer');
    await eventually(() => api.kicked.includes('w2'), 'the kick of the live player');
    expect(api.kicked).not.toContain('w1');
  });

  it('allows hooks it does not act on (on_connect, on_close), so enabling them breaks nothing', async () => {
    const connect = JSON.stringify({
      action: 'on_connect',
      client_id: 'x1',
      ip: '127.0.0.1',
      vhost: '__defaultVhost__',
      app: 'live',
      tcUrl: 'rtmp://127.0.0.1/live',
      pageUrl: '',
    });
    expect(await hook(connect)).toEqual(allowed);
    const close = JSON.stringify({
      action: 'on_close',
      client_id: 'x1',
      ip: '127.0.0.1',
      vhost: '__defaultVhost__',
      app: 'live',
      send_bytes: 10,
      recv_bytes: 10,
    });
    expect(await hook(close)).toEqual(allowed);
  });

  it('refuses malformed hooks with 400 and keeps serving', async () => {
    for (const body of ['', 'not json', '[]', 'null', '{"action":"on_publish"}', '{"action":"on_publish","client_id":"../x","app":"live","stream":"s"}']) {
      expect((await hook(body)).status).toBe(400);
    }
    expect((await post(plane.hookUrl, srsHook('on_play', 'rtmp://h/live/s?x=1', 'c'), 'text/plain')).status).toBe(400);
    const key = freshKey();
    expect(await hook(srsHook('on_publish', plane.issuePushUrl(key, inAMinute()), 'ok1'))).toEqual(allowed);
  });

  it('a failing kick is reported to onControlError and the URL is revoked all the same', async () => {
    const key = freshKey();
    const url = plane.issuePlayUrl(key, 'viewer', both, inAMinute());
    expect(await hook(srsHook('on_play', url, 'f1'))).toEqual(allowed);
    api.failing = true;
    try {
      plane.endPlay(key, 'viewer');
      await eventually(() => controlErrors.length > 0, 'the control error');
    } finally {
      api.failing = false;
    }
    expect(controlErrors[0]?.message).toContain('500');
    expect(await hook(srsHook('on_play', url, 'f2'))).toEqual(refused);
  });
});
