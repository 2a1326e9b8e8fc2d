// The callback endpoint itself, at the HTTP level with nginx-rtmp's form bodies (the shape
// recorded from libnginx-mod-rtmp): only the relay (holder of the token) gets answers, bad input
// gets an HTTP error and nothing else, and a client cannot steer the decision with its query args.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { MediaEvent } from '../../src/media/plane.js';
import { ExternalRelayPlane } from '../../src/media/external/index.js';
import { freshKey, inAMinute, SECRET, sameKey } from '../media/support/plane.js';
import { nginxForm, post, split } from './support/hooks.js';

const TOKEN = 'hook-token-0123456789abcdef';
const plane = new ExternalRelayPlane({
  secret: SECRET,
  dialect: 'nginx-rtmp',
  rtmpBase: 'rtmp://127.0.0.1:1935/live',
  controlUrl: 'http://127.0.0.1:9/control',
  hookToken: TOKEN,
  hookPath: '/hooks',
  onControlError: () => {},
});
const events: MediaEvent[] = [];
beforeAll(async () => {
  await plane.start();
  plane.onEvent((e) => events.push(e));
});
afterAll(() => plane.stop());

const FORM = 'application/x-www-form-urlencoded';
const hook = (body: string) => post(plane.hookUrl, body, FORM);
const eventsFor = (key: Parameters<typeof sameKey>[0]) => events.filter((e) => sameKey(e.key, key));

describe('external relay callback endpoint', () => {
  it('serves the configured path with the token, on loopback', () => {
    const url = new URL(plane.hookUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe(`/hooks/${TOKEN}`);
  });

  it('answers 404 without the right token, and such a call has no effect', async () => {
    const key = freshKey();
    const body = nginxForm('publish', plane.issuePushUrl(key, inAMinute()), 7);
    const url = new URL(plane.hookUrl);
    for (const path of ['/hooks', `/hooks/${TOKEN.slice(0, -1)}x`, `/hooks/${TOKEN}/extra`, `/HOOKS/${TOKEN}`, '/']) {
      url.pathname = path;
      expect((await post(url.toString(), body, FORM)).status).toBe(404);
    }
    expect(eventsFor(key)).toEqual([]);
    // The right token: allowed.
    expect((await hook(body)).status).toBe(200);
    expect(eventsFor(key)).toEqual([{ type: 'push-started', key }]);
  });

  it('answers 405 to other methods, 400 to bodies that are not callbacks, 413 to huge ones', async () => {
    expect((await fetch(plane.hookUrl)).status).toBe(405);
    for (const body of ['', 'call=publish', 'app=live&call=publish&clientid=x&name=s', 'app=live&call=play&clientid=1']) {
      expect((await hook(body)).status).toBe(400);
    }
    expect((await post(plane.hookUrl, '{"action":"on_publish"}', 'application/json')).status).toBe(400);
    expect((await hook('a='.padEnd(100_000, 'x'))).status).toBe(413);
  });

  it('survives a client that hangs up mid-request, and keeps serving', async () => {
    const url = new URL(plane.hookUrl);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), '127.0.0.1', () => {
        socket.end(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\napp=li`);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    const key = freshKey();
    expect((await hook(nginxForm('publish', plane.issuePushUrl(key, inAMinute()), 8))).status).toBe(200);
  });

  it("decides on the relay's own fields: a client repeating name/call/app/clientid in its args changes nothing", async () => {
    const alice = freshKey();
    const bob = { ...alice, userId: 'bob' };
    const aliceUrl = plane.issuePushUrl(alice, inAMinute());
    const bobStream = split(plane.issuePushUrl(bob, inAMinute())).stream;
    // nginx publishes to Bob's stream (its own name field), while the client's args carry Alice's
    // grant and her stream name: a plane that read the last name would let Alice into Bob's stream.
    const steered = nginxForm('publish', aliceUrl, 9).replace(`&name=${split(aliceUrl).stream}`, `&name=${bobStream}`) + `&name=${split(aliceUrl).stream}`;
    expect((await hook(steered)).status).toBe(403);
    expect(eventsFor(bob)).toEqual([]);
    expect(eventsFor(alice)).toEqual([]);
    // A repeated signature parameter is refused even when one copy is right.
    const doubled = nginxForm('publish', aliceUrl, 10) + '&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect((await hook(doubled)).status).toBe(403);
    expect(eventsFor(alice)).toEqual([]);
    // Fields repeated after the relay's own do not turn a publish into something else.
    const relabelled = nginxForm('publish', aliceUrl, 12) + '&call=play_done&app=other&clientid=1';
    expect((await hook(relabelled)).status).toBe(200);
    expect(eventsFor(alice)).toEqual([{ type: 'push-started', key: alice }]);
  });

  it('refuses streams of another relay app, and still acknowledges their done callbacks', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const elsewhere = nginxForm('publish', url, 11).replace('app=live', 'app=other');
    expect((await hook(elsewhere)).status).toBe(403);
    expect((await hook(nginxForm('publish_done', url, 11).replace('app=live', 'app=other'))).status).toBe(200);
    expect(eventsFor(key)).toEqual([]);
  });

  it('closes its port on stop()', async () => {
    const other = new ExternalRelayPlane({
      secret: SECRET,
      dialect: 'nginx-rtmp',
      rtmpBase: 'rtmp://127.0.0.1:1935/live',
      controlUrl: 'http://127.0.0.1:9/control',
    });
    await other.start();
    const url = other.hookUrl;
    expect((await fetch(url)).status).toBe(405);
    await other.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('rejects unusable configuration up front', () => {
    const base = { secret: SECRET, dialect: 'nginx-rtmp' as const, rtmpBase: 'rtmp://h:1935/live', controlUrl: 'http://h/control' };
    expect(() => new ExternalRelayPlane({ ...base, secret: 'short' })).toThrow(/secret/);
    expect(() => new ExternalRelayPlane({ ...base, rtmpBase: 'rtmp://h:1935/' })).toThrow(/rtmpBase/);
    expect(() => new ExternalRelayPlane({ ...base, rtmpBase: 'rtmp://h/a/b' })).toThrow(/rtmpBase/);
    expect(() => new ExternalRelayPlane({ ...base, rtmpBase: 'http://h/live' })).toThrow(/rtmpBase/);
    expect(() => new ExternalRelayPlane({ ...base, hookToken: 'short' })).toThrow(/hookToken/);
    expect(() => new ExternalRelayPlane({ ...base, dialect: 'wowza' as never })).toThrow(/dialect/);
    expect(() => new ExternalRelayPlane(base).issuePushUrl(freshKey(), inAMinute())).toThrow(/not started/);
  });
});
