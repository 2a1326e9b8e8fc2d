import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { createLogger } from '../../src/ops/logger.js';
import { LogThrottle } from '../../src/ops/throttle.js';
import { APP_ID, RawClient, token } from '../support/client.js';
import { parsePrometheusText, valueOf } from './prom-text.js';
import { SECRET, serveWithAdmin } from './support.js';

/** A destination that keeps every JSON line the logger writes. */
function sink(): { stream: Writable; lines: Record<string, any>[]; text: () => string } {
  const chunks: string[] = [];
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      const s = String(chunk);
      chunks.push(s);
      for (const l of s.split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  return { stream, lines, text: () => chunks.join('') };
}

const until = async (what: string, check: () => boolean): Promise<void> => {
  await expect.poll(check, { timeout: 20_000, message: what }).toBe(true);
};

describe('logs', () => {
  it('a scripted call with a refused token, a takeover, a kick and a relay restart logs each, and no secret', async () => {
    const out = sink();
    const relaySecret = randomBytes(24).toString('base64url');
    const relay = new RelayMediaPlane({ secret: relaySecret, host: '127.0.0.1' });
    const logger = createLogger({ level: 'debug', destination: out.stream });
    const { url, track, http, server } = await serveWithAdmin({ media: relay, logger });

    const eveToken = token('room1', 'eve', { appKey: 'not-the-key' });
    const eve = track(await RawClient.connect(url));
    const refused = await eve.join('room1', 'eve', { token: eveToken });
    expect(refused.error?.code).toBe(CODES.TOKEN_INVALID);

    const aliceToken = token('room1', 'alice');
    const alice = track(await RawClient.connect(url));
    const ja = await alice.join('room1', 'alice', { token: aliceToken });
    const pushUrl: string = (await alice.request('publish', { screen: false })).data.url;
    const bob = track(await RawClient.connect(url));
    const jb = await bob.join('room1', 'bob');
    const playUrl: string = (await bob.request('subscribe', { userId: 'alice', screen: false })).data.url;
    expect(pushUrl).toContain('?');
    expect(playUrl).toContain('?');
    // alice again from a second socket: a takeover.
    const alice2 = track(await RawClient.connect(url));
    const ja2 = await alice2.join('room1', 'alice', { token: aliceToken });
    await alice.waitEvent('disconnect');
    const minted = await http('POST', '/admin/api/tokens', { body: { appId: APP_ID, roomId: 'room1', userId: 'zed' } });
    expect((await http('DELETE', `/admin/api/apps/${APP_ID}/rooms/room1/members/bob`)).status).toBe(200);
    expect((await bob.waitEvent('disconnect')).data.code).toBe(CODES.KICKED);

    // The relay process dies (we started it: killing it by its pid is ours to do) and comes back.
    const pid = relay.relayPid!;
    process.kill(pid, 'SIGKILL');
    const has = (pred: (l: Record<string, any>) => boolean): boolean => out.lines.some(pred);
    await until('relay restarted line', () => has((l) => l.event === 'relay-restarted'));
    const m = parsePrometheusText((await http('GET', '/metrics')).text);
    expect(valueOf(m, 'mprtc_relay_restarts_total')).toBe(1);
    expect(valueOf(m, 'mprtc_relay_up')).toBe(1);
    await server.close();

    const line = (pred: (l: Record<string, any>) => boolean) => out.lines.find(pred);
    expect(line((l) => l.event === 'listening' && l.what === 'signaling')).toMatchObject({ level: 30, address: url });
    expect(line((l) => l.event === 'listening' && l.what === 'admin')).toMatchObject({ level: 30 });
    expect(line((l) => l.event === 'join-refused')).toMatchObject({
      level: 40,
      code: CODES.TOKEN_INVALID,
      codeName: 'TOKEN_INVALID',
      appId: APP_ID,
      roomId: 'room1',
      userId: 'eve',
      msg: `join refused: TOKEN_INVALID (${CODES.TOKEN_INVALID})`,
    });
    expect(line((l) => l.event === 'join' && l.userId === 'alice')).toMatchObject({ appId: APP_ID, roomId: 'room1', visible: true });
    expect(line((l) => l.event === 'publish')).toMatchObject({ userId: 'alice', screen: false });
    expect(line((l) => l.event === 'subscribe')).toMatchObject({ userId: 'bob', target: 'alice' });
    expect(line((l) => l.event === 'takeover')).toMatchObject({ userId: 'alice', roomId: 'room1' });
    expect(line((l) => l.event === 'admin' && l.action === 'mint-token')).toMatchObject({ userId: 'zed', ok: true });
    expect(line((l) => l.event === 'admin' && l.action === 'remove-user')).toMatchObject({ userId: 'bob', ok: true });
    expect(line((l) => l.event === 'leave' && l.userId === 'bob')).toMatchObject({ reason: 'kicked' });
    expect(line((l) => l.event === 'relay-down')).toMatchObject({ level: 50 });
    expect(line((l) => l.event === 'relay-restarted')).toMatchObject({ level: 40 });

    // Nothing secret, anywhere in the output.
    const text = out.text();
    const secrets = {
      eveToken,
      aliceToken,
      bobToken: token('room1', 'bob'),
      mintedToken: minted.json.token as string,
      resumeToken: ja.data.resumeToken as string,
      resumeToken2: ja2.data.resumeToken as string,
      resumeTokenBob: jb.data.resumeToken as string,
      pushQuery: pushUrl.slice(pushUrl.indexOf('?') + 1),
      playQuery: playUrl.slice(playUrl.indexOf('?') + 1),
      adminSecret: SECRET,
      relaySecret,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(8);
      expect(text.includes(secret), `${name} appears in the log`).toBe(false);
    }
    // The token's body alone (after "001" + appId) is not there either.
    expect(text.includes(aliceToken.slice(27, 60))).toBe(false);
  });

  it('a flood of refusals is written as at most 10 lines per kind and address per window; the metrics count all', async () => {
    const out = sink();
    const logger = createLogger({ level: 'info', destination: out.stream });
    const { url, track, http } = await serveWithAdmin({
      logger,
      tokenRefusalLimit: { max: 1000, windowMs: 60_000 },
      joinRateLimit: { max: 1000, windowMs: 60_000 },
    });
    const c = track(await RawClient.connect(url));
    const bad = token('room1', 'eve', { appKey: 'not-the-key' });
    for (let i = 0; i < 25; i++) expect((await c.join('room1', 'eve', { token: bad })).error?.code).toBe(CODES.TOKEN_INVALID);
    expect(out.lines.filter((l) => l.event === 'join-refused')).toHaveLength(10);
    expect(valueOf(parsePrometheusText((await http('GET', '/metrics')).text), 'mprtc_refusals_total', { request: 'join', name: 'TOKEN_INVALID' })).toBe(25);
  });

  it('LogThrottle: per key, a fixed window; the first line after it says how many were left out', () => {
    let now = 0;
    const t = new LogThrottle(2, 1000, () => now);
    expect([t.take('a'), t.take('a'), t.take('a'), t.take('a'), t.take('b')]).toEqual([0, 0, null, null, 0]);
    now = 1000;
    expect([t.take('a'), t.take('a'), t.take('a')]).toEqual([2, 0, null]);
  });

  it('redacts secret-named fields even if one is ever passed, in JSON and pretty output', () => {
    for (const pretty of [false, true]) {
      const out = sink();
      const chunks: string[] = [];
      const stream = pretty ? new Writable({ write: (c, _e, d) => (chunks.push(String(c)), d()) }) : out.stream;
      const log = createLogger({ level: 'info', destination: stream, pretty });
      log.info(
        {
          token: 'TOKEN-1',
          resumeToken: 'RESUME-2',
          url: 'rtmp://x/y?sign=SIGN-3',
          nested: { secret: 'SECRET-4', query: 'Q-5' },
          headers: { authorization: 'Bearer AUTH-6', cookie: 'C-7' },
        },
        'hello',
      );
      log.flush();
      const text = pretty ? chunks.join('') : out.text();
      expect(text).toContain('hello');
      for (const s of ['TOKEN-1', 'RESUME-2', 'SIGN-3', 'SECRET-4', 'Q-5', 'AUTH-6', 'C-7']) expect(text, `${s} (pretty: ${pretty})`).not.toContain(s);
    }
  });

  it('refuses an unknown log level', () => {
    expect(() => createLogger({ level: 'loud' as never })).toThrow(/log level/);
  });
});
