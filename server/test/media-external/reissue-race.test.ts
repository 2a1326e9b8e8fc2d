// A drop that reaches nginx-rtmp before nginx lists the session. nginx asks on_publish / on_play
// and joins the publisher or player to its stream only once our answer arrives, while the plane
// reports push-started (and records the player) as soon as it decides: a new push URL or endPlay
// right then used to find no session ("0" dropped), and the revoked push ran to its end. Here a
// proxy between nginx and the plane's callback endpoint holds that answer back until nginx has
// answered such a drop, so the window is always hit; the drop must land once nginx catches up.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import type { MediaEvent, StreamKey } from '../../src/media/plane.js';
import { ExternalRelayPlane } from '../../src/media/external/index.js';
import { resolveExternalConfig } from '../../src/media/external/config.js';
import type { LiveSession, RelayDialect } from '../../src/media/external/dialect.js';
import { Kicker } from '../../src/media/external/kicker.js';
import { killAll, nextEvent, playFrames, pushPattern } from '../media/support/av.js';
import { freshKey, inAMinute, sameKey, SECRET } from '../media/support/plane.js';
import { eventually, nginxForm, post } from './support/hooks.js';
import { nginxPorts, relayUrls, startNginx, type Nginx } from './support/nginx.js';

const APP = 'live';
const both = { audio: true, video: true };
const FORM = 'application/x-www-form-urlencoded';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

interface Hold {
  /** The plane's answer to the held call (it has decided; nginx does not know yet). */
  decided: Promise<number>;
  release: () => void;
}

/**
 * A proxy whose target reset the connection (the plane closing while a relay still calls)
 * answers 502, as a real one would, instead of leaving an unhandled rejection behind.
 */
function badGateway(res: import('node:http').ServerResponse): void {
  if (!res.headersSent) res.writeHead(502, { connection: 'close' });
  res.end();
}

/** Between nginx and the plane's callbacks: forwards everything, can hold back one answer. */
class HookProxy {
  private readonly server = createServer((req, res) => void this.forward(req, res).catch(() => badGateway(res)));
  private holds: { call: string; decided: (status: number) => void; released: Promise<void>; release: () => void }[] = [];
  private target = '';

  async start(target: string): Promise<string> {
    this.target = target;
    return `${await listen(this.server)}/hooks`;
  }

  /** Holds back the plane's answer to the next callback `call` (publish, play) until release(). */
  holdNext(call: 'publish' | 'play'): Hold {
    let decided!: (status: number) => void;
    let release!: () => void;
    const decidedP = new Promise<number>((resolve) => (decided = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ call, decided, released, release });
    return { decided: decidedP, release };
  }

  releaseAll(): void {
    for (const hold of this.holds) hold.release();
    this.holds = [];
  }

  stop(): Promise<void> {
    this.releaseAll();
    return close(this.server);
  }

  private async forward(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const form = await body(req);
    const answer = await post(this.target, form, req.headers['content-type'] ?? FORM);
    const call = new URLSearchParams(form).get('call');
    const index = this.holds.findIndex((h) => h.call === call);
    if (index >= 0) {
      const [hold] = this.holds.splice(index, 1);
      hold!.decided(answer.status);
      await hold!.released;
    }
    res.writeHead(answer.status, { 'content-type': 'text/plain', connection: 'close' }).end(answer.body);
  }
}

interface Drop {
  role: string;
  clientId: string;
  answer: string;
}

/** Between the plane and nginx's rtmp_control: forwards and records every drop and its answer. */
class ControlProxy {
  readonly drops: Drop[] = [];
  private readonly server = createServer((req, res) => void this.forward(req, res).catch(() => badGateway(res)));
  private target = '';

  async start(target: string): Promise<string> {
    this.target = target;
    return `${await listen(this.server)}/control`;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  private async forward(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://proxy');
    const upstream = await fetch(`${this.target}${url.pathname.replace(/^\/control/, '')}${url.search}`);
    const answer = await upstream.text();
    const role = url.pathname.split('/').pop() ?? '';
    this.drops.push({ role, clientId: url.searchParams.get('clientid') ?? '', answer: answer.trim() });
    res.writeHead(upstream.status, { 'content-type': 'text/plain' }).end(answer);
  }
}

const HAVE = needs(['nginx', 'ffmpeg', 'ffprobe'], 'nginx-rtmp drops before nginx lists the session');

describe.runIf(HAVE)('ExternalRelayPlane with nginx-rtmp: a drop before nginx lists the session', () => {
  const hooks = new HookProxy();
  const control = new ControlProxy();
  const controlErrors: Error[] = [];
  let plane: ExternalRelayPlane;
  let nginx: Nginx | null = null;

  const eventFor = (key: StreamKey, type: MediaEvent['type']) =>
    nextEvent(plane.onEvent.bind(plane), (e: MediaEvent) => e.type === type && sameKey(e.key, key));
  const dropsOf = (clientId: string) => control.drops.filter((d) => d.clientId === clientId).map((d) => d.answer);

  beforeAll(async () => {
    const ports = await nginxPorts();
    const urls = relayUrls(ports, APP);
    const controlUrl = await control.start(urls.controlUrl);
    plane = new ExternalRelayPlane({
      secret: SECRET,
      dialect: 'nginx-rtmp',
      rtmpBase: urls.rtmpBase,
      controlUrl,
      pushTimeoutMs: 60_000,
      onControlError: (e) => controlErrors.push(e),
    });
    await plane.start();
    nginx = await startNginx({ ports, app: APP, hookUrl: await hooks.start(plane.hookUrl) });
  });
  afterEach(async () => {
    hooks.releaseAll();
    await killAll();
  });
  afterAll(async () => {
    await nginx?.stop();
    await plane?.stop();
    await hooks.stop();
    await control.stop();
  });

  it('a push URL reissued right after push-started drops the old publisher once nginx registers it', async () => {
    const key = freshKey();
    const url = plane.issuePushUrl(key, inAMinute());
    const hold = hooks.holdNext('publish');
    const started = eventFor(key, 'push-started');
    const push = pushPattern(url, { seconds: 15 });
    expect(await hold.decided).toBe(200);
    await started;

    const stopped = eventFor(key, 'push-stopped');
    const second = plane.issuePushUrl(key, inAMinute());
    expect(await stopped).toEqual({ type: 'push-stopped', key, reason: 'push URL reissued' });
    // nginx has not had our on_publish answer: it lists no publisher and drops nothing.
    await eventually(() => control.drops.some((d) => d.role === 'publisher' && d.answer === '0'), 'a drop answered 0');
    const id = control.drops.find((d) => d.role === 'publisher')!.clientId;
    hold.release();

    expect(await push.exited).not.toBe(0); // cut off, not run for its 15 s
    expect(dropsOf(id).at(-1)).toBe('1');
    expect(controlErrors).toEqual([]);
    // The reissued URL is the one that pushes now.
    const restarted = eventFor(key, 'push-started');
    expect(await pushPattern(second, { seconds: 2 }).exited).toBe(0);
    await restarted;
  });

  it('endPlay right after on_play was allowed drops that player once nginx registers it', async () => {
    const key = freshKey();
    const started = eventFor(key, 'push-started');
    const push = pushPattern(plane.issuePushUrl(key, inAMinute()), { seconds: 20 });
    await started;
    const hold = hooks.holdNext('play');
    const player = playFrames(plane.issuePlayUrl(key, 'viewer', both, inAMinute()));
    expect(await hold.decided).toBe(200);

    plane.endPlay(key, 'viewer');
    await eventually(() => control.drops.some((d) => d.role === 'subscriber' && d.answer === '0'), 'a drop answered 0');
    const id = control.drops.find((d) => d.role === 'subscriber')!.clientId;
    hold.release();

    // Dropped while the stream goes on (not ended by the end of the push 20 s in).
    const first = await Promise.race([player.exited.then(() => 'player'), push.exited.then(() => 'push')]);
    expect(first).toBe('player');
    expect(dropsOf(id).at(-1)).toBe('1');
    expect(controlErrors).toEqual([]);
  });
});

describe.runIf(HAVE)('ExternalRelayPlane with nginx-rtmp: a drop that never finds its session', () => {
  const control = new ControlProxy();
  const controlErrors: Error[] = [];
  let plane: ExternalRelayPlane;
  let nginx: Nginx | null = null;

  beforeAll(async () => {
    const ports = await nginxPorts();
    const urls = relayUrls(ports, APP);
    plane = new ExternalRelayPlane({
      secret: SECRET,
      dialect: 'nginx-rtmp',
      rtmpBase: urls.rtmpBase,
      controlUrl: await control.start(urls.controlUrl),
      controlRetryMs: 500,
      onControlError: (e) => controlErrors.push(e),
    });
    await plane.start();
    nginx = await startNginx({ ports, app: APP, hookUrl: plane.hookUrl });
  });
  afterAll(async () => {
    await nginx?.stop();
    await plane?.stop();
    await control.stop();
  });

  it('is retried, then reported to onControlError; one whose session ends meanwhile stops quietly', async () => {
    // Callbacks as nginx sends them, for clients nginx never lists: its drops answer 0.
    const ended = freshKey();
    const endedUrl = plane.issuePushUrl(ended, inAMinute());
    expect((await post(plane.hookUrl, nginxForm('publish', endedUrl, 900001), FORM)).status).toBe(200);
    plane.endPush(ended, 'unpublished');
    await eventually(() => control.drops.some((d) => d.clientId === '900001'), 'the first drop');
    expect((await post(plane.hookUrl, nginxForm('publish_done', endedUrl, 900001), FORM)).status).toBe(200);

    const lost = freshKey();
    const lostUrl = plane.issuePushUrl(lost, inAMinute());
    expect((await post(plane.hookUrl, nginxForm('publish', lostUrl, 900002), FORM)).status).toBe(200);
    plane.endPush(lost, 'unpublished');
    // Started after the first one, so by its report the first one's window is over as well.
    await eventually(() => controlErrors.length > 0, 'the control error', 10_000);

    expect(controlErrors.map((e) => e.message)).toEqual([expect.stringContaining('publisher 900002')]);
    expect(controlErrors[0]?.message).toContain('found no such session');
    expect(control.drops.filter((d) => d.clientId === '900002').length).toBeGreaterThan(1); // retried
    expect(control.drops.every((d) => d.answer === '0')).toBe(true);
  });
});

describe('ExternalRelayPlane configuration: controlRetryMs', () => {
  const base = { secret: SECRET, dialect: 'nginx-rtmp' as const, rtmpBase: 'rtmp://127.0.0.1:1935/live', controlUrl: 'http://127.0.0.1:1/control' };

  it('defaults to 10 s and takes 0 to 60000 whole milliseconds', () => {
    expect(resolveExternalConfig(base).controlRetryMs).toBe(10_000);
    expect(resolveExternalConfig({ ...base, controlRetryMs: 0 }).controlRetryMs).toBe(0);
    for (const bad of [-1, 1.5, 60_001, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveExternalConfig({ ...base, controlRetryMs: bad })).toThrow(/controlRetryMs/);
    }
  });
});

describe('Kicker (a stand-in dialect: the control API below it)', () => {
  const session: LiveSession = { role: 'publisher', app: 'live', stream: 's', clientId: '7' };
  /** A dialect whose drop finds nothing until `found` is set, counting its calls. */
  function relay() {
    const state = { calls: 0, found: false, dropped: false };
    const dialect: RelayDialect = {
      parse: () => null,
      answer: () => ({ status: 200, contentType: 'text/plain', body: '' }),
      kick: async () => {
        state.calls += 1;
        state.dropped = state.found;
        return state.found;
      },
    };
    return { state, dialect };
  }

  it('retries until the relay drops the session, without reporting an error', async () => {
    const { state, dialect } = relay();
    const errors: Error[] = [];
    const kicker = new Kicker({ dialect, controlUrl: 'http://unused', retryMs: 60_000, onError: (e) => errors.push(e) });
    kicker.kick(session);
    await eventually(() => state.calls >= 3, 'retries');
    expect(state.dropped).toBe(false);
    state.found = true; // the relay lists it now
    await eventually(() => state.dropped, 'the drop landing');
    await kicker.stop();
    expect(errors).toEqual([]);
  });

  it('stop() ends a drop that is still retrying (a stopping plane does not wait out the window)', async () => {
    const { state, dialect } = relay();
    const errors: Error[] = [];
    const kicker = new Kicker({ dialect, controlUrl: 'http://unused', retryMs: 60_000, onError: (e) => errors.push(e) });
    kicker.kick(session);
    await eventually(() => state.calls >= 2, 'a retry');
    await kicker.stop(); // resolves: the 60 s window is not waited out (the test would time out)
    const calls = state.calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.calls).toBe(calls);
    expect(errors).toEqual([]);
  });

  it('a failing control request is reported once and not retried; a handler that throws is contained', async () => {
    let calls = 0;
    const dialect: RelayDialect = {
      parse: () => null,
      answer: () => ({ status: 200, contentType: 'text/plain', body: '' }),
      kick: async () => {
        calls += 1;
        throw new Error('drop publisher answered 500');
      },
    };
    const seen: string[] = [];
    const kicker = new Kicker({
      dialect,
      controlUrl: 'http://unused',
      retryMs: 60_000,
      onError: (e) => {
        seen.push(e.message);
        throw new Error('faulty handler');
      },
    });
    kicker.kick(session);
    await kicker.stop();
    expect(seen).toEqual(['drop publisher answered 500']);
    expect(calls).toBe(1);
  });
});
