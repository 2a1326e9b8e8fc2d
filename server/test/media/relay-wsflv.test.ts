// WS-FLV through the guard: a WebSocket on a valid play URL's path gets the FLV stream (header,
// then tags); the same path without a valid grant, or with a publisher subprotocol, does not.
// Plain HTTP-FLV answers with the headers browser players need.

import { get } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import type { MediaEvent } from '../../src/media/plane.js';
import { RelayMediaPlane, type RelayEvent } from '../../src/media/relay/index.js';
import { killAll, nextEvent, pushPattern } from './support/av.js';
import { freshKey, inAMinute, SECRET, sameKey } from './support/plane.js';

// ffmpeg pushes, ffprobe plays: without them the suite is skipped locally and fails in CI.
const HAVE = needs(['ffmpeg', 'ffprobe'], 'relay WS-FLV / HTTP-FLV');

const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET, pushTimeoutMs: 60_000 });
beforeAll(async () => {
  if (HAVE) await plane.start();
});
afterEach(() => killAll());
afterAll(() => plane.stop());

function wsUrl(flv: string): string {
  return flv.replace(/^http:/, 'ws:');
}

it.runIf(HAVE)('a WS-FLV player on a valid URL receives the FLV header and tags; unsigned or as a publisher it does not', async () => {
  const key = freshKey();
  const live = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-started' && sameKey(e.key, key),
  );
  pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 30 });
  await live;
  const { flv } = plane.issuePlayUrls(key, 'viewer', { audio: true, video: true }, inAMinute());

  const ws = new WebSocket(wsUrl(flv!));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (d: Buffer) => {
      chunks.push(Buffer.from(d));
      if (Buffer.concat(chunks).length > 20_000) resolve();
    });
    ws.once('error', reject);
    setTimeout(() => reject(new Error(`only ${Buffer.concat(chunks).length} bytes`)), 15_000);
  });
  ws.terminate();
  const bytes = Buffer.concat(chunks);
  expect(bytes.subarray(0, 3).toString()).toBe('FLV');
  // The first tag after the 13-byte header is a script, audio or video tag.
  expect([8, 9, 18]).toContain(bytes[13]);

  const status = (url: string, protocols?: string[]) =>
    new Promise<number>((resolve) => {
      const w = new WebSocket(url, protocols);
      w.once('open', () => {
        w.terminate();
        resolve(101);
      });
      w.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      w.on('error', () => resolve(0));
    });
  const path = new URL(flv!);
  expect(await status(`ws://${path.host}${path.pathname}`)).toBe(403);
  // Offered a publisher subprotocol, the relay never sees it: the client gets no subprotocol and gives up.
  expect(await status(wsUrl(plane.issuePlayUrls(key, 'other', { audio: true, video: true }, inAMinute()).flv!), ['publisher'])).not.toBe(101);
});

it.runIf(HAVE)('HTTP-FLV answers 200 video/x-flv, readable cross-origin', async () => {
  const key = freshKey();
  const live = nextEvent<MediaEvent>(
    (l) => plane.onEvent(l),
    (e) => e.type === 'push-started' && sameKey(e.key, key),
  );
  pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 20 });
  await live;
  const { flv } = plane.issuePlayUrls(key, 'viewer', { audio: true, video: true }, inAMinute());
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => get(flv!, resolve).once('error', reject));
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('video/x-flv');
  expect(res.headers['access-control-allow-origin']).toBe('*');
  const first = await new Promise<Buffer>((resolve) => res.once('data', (d: Buffer) => resolve(d)));
  expect(first.subarray(0, 3).toString()).toBe('FLV');
  res.destroy();
});

it.runIf(HAVE)('a WS-FLV (or HTTP-FLV) player that resets its connection mid-stream costs the relay process nothing', async () => {
  const relayEvents: RelayEvent[] = [];
  const offRelay = plane.onRelayEvent((e) => relayEvents.push(e));
  const key = freshKey();
  // This push's only: the previous case's killed pusher may be reported stopped meanwhile.
  const stopped: MediaEvent[] = [];
  const offMedia = plane.onEvent((e) => {
    if (e.type === 'push-stopped' && sameKey(e.key, key)) stopped.push(e);
  });
  try {
    const live = nextEvent<MediaEvent>(
      (l) => plane.onEvent(l),
      (e) => e.type === 'push-started' && sameKey(e.key, key),
    );
    pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 30 });
    await live;
    const pid = plane.relayPid;
    const flv = new URL(plane.issuePlayUrls(key, 'viewer', { audio: true, video: true }, inAMinute()).flv!);
    // A raw WebSocket upgrade (and a plain HTTP-FLV GET), then a TCP reset once tags flow: the
    // relay's next write fails (EPIPE / ECONNRESET), for WS-FLV on a socket Node's HTTP server no
    // longer watches after the upgrade.
    const rounds: string[] = [];
    for (const upgrade of [true, true, false]) {
      rounds.push(
        await new Promise<string>((resolve) => {
          const sock = connect(Number(flv.port), flv.hostname);
          let got = 0;
          sock.once('connect', () => {
            sock.write(
              `GET ${flv.pathname}${flv.search} HTTP/1.1\r\nHost: ${flv.host}\r\n` +
                (upgrade ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : '') +
                '\r\n',
            );
          });
          sock.on('data', (d: Buffer) => {
            got += d.length;
            if (got <= 4_000) return;
            sock.resetAndDestroy();
            resolve('reset');
          });
          sock.once('error', (err) => resolve(`${err.message} after ${got} bytes`));
          sock.once('close', () => resolve(`closed after ${got} bytes`));
        }),
      );
    }
    // The relay keeps writing tags meanwhile; give it time to hit the dead sockets.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(relayEvents.filter((e) => e.type !== 'relay-log' || e.level === 'error')).toEqual([]);
    expect(rounds).toEqual(['reset', 'reset', 'reset']);
    expect(plane.relayPid).toBe(pid);
    expect(stopped).toEqual([]);
    // And the stream still plays.
    const ws = new WebSocket(flv.href.replace(/^http:/, 'ws:'));
    const bytes = await new Promise<number>((resolve, reject) => {
      let n = 0;
      ws.on('message', (d: Buffer) => {
        n += d.length;
        if (n > 4_000) resolve(n);
      });
      ws.once('error', reject);
      ws.once('close', () => reject(new Error(`closed after ${n} bytes`)));
    });
    ws.terminate();
    expect(bytes).toBeGreaterThan(4_000);
  } finally {
    offRelay();
    offMedia();
  }
});
