// The admin port as an attacker on the network finds it: raw sockets against a started server.
// Limits hold before authentication and before any costly work (connections, headers, bodies,
// time, failed logins); files are served from memory only; cookie changes need proof of origin;
// every refusal is JSON with a code; nothing secret reaches the log.
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/ops/auth.js';
import { createLogger } from '../../src/ops/logger.js';
import { LogThrottle } from '../../src/ops/throttle.js';
import { SECRET, login, serveWithAdmin } from './support.js';

interface Raw {
  socket: Socket;
  /** Everything the server wrote so far. */
  text(): string;
  /** Resolves once the server closed its side (or cut the socket). */
  closed: Promise<void>;
  /** The first answer's status and JSON body, once it is whole. */
  answer(): Promise<{ status: number; head: string; json: any }>;
}

async function raw(port: number): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let got = '';
  socket.on('data', (d) => (got += String(d)));
  const closed = new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
  const answer = async () => {
    await expect.poll(() => /\r\n\r\n/.test(got) && bodyComplete(got), { timeout: 10_000 }).toBe(true);
    const [head, body] = [got.slice(0, got.indexOf('\r\n\r\n')), got.slice(got.indexOf('\r\n\r\n') + 4)];
    return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), head: head.toLowerCase(), json: JSON.parse(body) };
  };
  return { socket, text: () => got, closed, answer };
}

function bodyComplete(s: string): boolean {
  const i = s.indexOf('\r\n\r\n');
  const len = /content-length: (\d+)/i.exec(s.slice(0, i));
  return len !== null && Buffer.byteLength(s.slice(i + 4)) >= Number(len[1]);
}

const json = (code: string) => ({ error: { code, reason: expect.any(String) } });

describe('admin port under attack', () => {
  it('caps connections per address before reading a byte: the excess gets 429 JSON and is closed', async () => {
    const { server, http } = await serveWithAdmin({}, { maxConnectionsPerAddress: 3, maxConnections: 50 });
    const port = server.admin!.port;
    const idle = [await raw(port), await raw(port), await raw(port)];
    const extra = await raw(port);
    const a = await extra.answer();
    expect(a.status).toBe(429);
    expect(a.json).toEqual(json('TOO_MANY_CONNECTIONS'));
    expect(a.head).toContain('x-content-type-options: nosniff');
    expect(a.head).toContain('cache-control: no-store');
    await extra.closed;
    // Even a whole request on a refused socket gets nothing more.
    expect(extra.text().match(/HTTP\/1\.1/g)).toHaveLength(1);
    // One idle socket goes: its place is free again.
    idle[0]!.socket.destroy();
    await expect.poll(async () => (await http('GET', '/admin/api/apps')).status, { timeout: 5_000 }).toBe(200);
    for (const s of idle) s.socket.destroy();
  });

  it('caps connections in total: the excess gets 503 JSON', async () => {
    const { server } = await serveWithAdmin({}, { maxConnectionsPerAddress: 10, maxConnections: 2 });
    const port = server.admin!.port;
    const idle = [await raw(port), await raw(port)];
    const extra = await raw(port);
    const a = await extra.answer();
    expect(a.status).toBe(503);
    expect(a.json).toEqual(json('TOO_MANY_CONNECTIONS'));
    for (const s of idle) s.socket.destroy();
  });

  it('answers oversized headers with 431 JSON and closes, before authentication', async () => {
    const { server } = await serveWithAdmin();
    const c = await raw(server.admin!.port);
    c.socket.write(`GET /admin/api/apps HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    const a = await c.answer();
    expect(a.status).toBe(431);
    expect(a.json).toEqual(json('HEADERS_TOO_LARGE'));
    await c.closed;
  });

  it('answers garbage with 400 JSON and closes', async () => {
    const { server } = await serveWithAdmin();
    const c = await raw(server.admin!.port);
    c.socket.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n');
    const a = await c.answer();
    expect(a.status).toBe(400);
    expect(a.json).toEqual(json('BAD_REQUEST'));
    await c.closed;
  });

  it('closes a slowloris that trickles header lines, within the request time', async () => {
    const { server } = await serveWithAdmin({}, { requestTimeoutMs: 500 });
    const c = await raw(server.admin!.port);
    c.socket.write('GET /admin/api/apps HTTP/1.1\r\nHost: x\r\n');
    let sent = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(`X-${sent++}: y\r\n`);
    }, 100);
    await c.closed;
    clearInterval(trickle);
    // Headers never completed: no route ran, the answer is the timeout's.
    const a = await c.answer();
    expect(a.status).toBe(408);
    expect(a.json).toEqual(json('REQUEST_TIMEOUT'));
  });

  it('closes a connection that sends nothing, within the request time', async () => {
    const { server } = await serveWithAdmin({}, { requestTimeoutMs: 500 });
    const c = await raw(server.admin!.port);
    await c.closed;
    expect((await c.answer()).status).toBe(408);
  });

  it('does not drain a body it refuses: 401 before the body, then the socket is closed', async () => {
    // A long request time: the close must come from the refusal, not from a timeout.
    const { server } = await serveWithAdmin({}, { requestTimeoutMs: 60_000 });
    const c = await raw(server.admin!.port);
    c.socket.write('POST /admin/api/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{');
    const a = await c.answer();
    expect(a.status).toBe(401);
    expect(a.head).toContain('connection: close');
    await c.closed;
  });

  it('refuses a body past maxBodyBytes with 413 and closes instead of reading on', async () => {
    const { server } = await serveWithAdmin({}, { requestTimeoutMs: 60_000, maxBodyBytes: 1024 });
    const c = await raw(server.admin!.port);
    c.socket.write(`POST /admin/api/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `800\r\n${'a'.repeat(0x800)}\r\n`;
    c.socket.write(chunk);
    const a = await c.answer();
    expect(a.status).toBe(413);
    expect(a.json).toEqual(json('BODY_TOO_LARGE'));
    expect(a.head).toContain('connection: close');
    await c.closed;
  });

  it('serves dashboard files from memory only: traversal in any spelling is 404 JSON', async () => {
    const { server, base } = await serveWithAdmin();
    const { cookie } = await login(base);
    const paths = [
      '/dashboard/../../package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/%2e%2e%2f%2e%2e%2fserver%2fsrc%2fconfig.ts',
      '/dashboard/..\\..\\package.json',
      '/dashboard/assets.ts',
      '/dashboard/dashboard/index.html',
      '/dashboard//etc/passwd',
      '/dashboard/app.js%00.png',
      '/dashboard/%252e%252e/package.json',
    ];
    for (const path of paths) {
      for (const auth of [`Authorization: Bearer ${SECRET}`, `Cookie: ${cookie}`]) {
        const c = await raw(server.admin!.port);
        c.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}\r\nConnection: close\r\n\r\n`);
        const a = await c.answer();
        expect([400, 404], `${path} ${a.status}`).toContain(a.status);
        expect(a.json?.error?.code, path).toMatch(/^(NOT_FOUND|BAD_REQUEST)$/);
        expect(c.text()).not.toContain('"name"');
        c.socket.destroy();
      }
    }
  });

  it('a dashboard cookie changes state only with the header or from its own origin (the Log out form)', async () => {
    const { base, http } = await serveWithAdmin();
    const host = new URL(base).host;
    const { cookie } = await login(base);
    // Cross-site: another origin, or no proof at all.
    for (const headers of [
      {} as Record<string, string>,
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'null' },
      { origin: `http://${host}.evil.example` },
    ]) {
      const r = await http('POST', '/dashboard/logout', { auth: null, cookie, headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.json).toEqual(json('FORBIDDEN'));
    }
    expect((await http('GET', '/admin/api/apps', { auth: null, cookie })).status).toBe(200);
    // The page's own form post: the browser says same-origin (with our no-referrer policy it
    // sends Origin: null), or an older one sends its origin.
    const out = await http('POST', '/dashboard/logout', { auth: null, cookie, headers: { 'sec-fetch-site': 'same-origin', origin: 'null' } });
    expect(out.status).toBe(303);
    expect((await http('GET', '/admin/api/apps', { auth: null, cookie })).status).toBe(401);
    const second = (await login(base)).cookie;
    expect((await http('POST', '/dashboard/logout', { auth: null, cookie: second, headers: { origin: `http://${host}` } })).status).toBe(303);
    expect((await http('GET', '/admin/api/apps', { auth: null, cookie: second })).status).toBe(401);
  });

  it('failed logins: an address is refused after the budget even with the right secret, and nothing secret is logged', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(c, _e, done) {
        chunks.push(String(c));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    const { http } = await serveWithAdmin({ logger }, { maxFailedLogins: 3 });
    const guesses = ['guess-number-one-0000', 'guess-number-two-0000', 'guess-number-three-00'];
    const form = (s: string) => ({ auth: null, raw: `secret=${encodeURIComponent(s)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    for (const g of guesses) expect((await http('POST', '/dashboard/login', form(g))).status).toBe(401);
    const blocked = await http('POST', '/dashboard/login', form(SECRET));
    expect(blocked.status).toBe(429);
    expect(blocked.json).toEqual(json('TOO_MANY_ATTEMPTS'));
    expect((await http('GET', '/admin/api/apps')).status).toBe(429);
    const text = chunks.join('');
    expect(text).toContain('"action":"login"');
    for (const s of [SECRET, ...guesses]) expect(text).not.toContain(s);
  });

  it('failed logins count per client address: behind a trusted proxy by X-Forwarded-For, else the header is ignored', async () => {
    const form = (s: string, xff: string) => ({
      auth: null,
      raw: `secret=${encodeURIComponent(s)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': xff },
    });
    // Behind a proxy: one guesser spends its own budget, the operator behind the same proxy logs in.
    const proxied = await serveWithAdmin({ trustProxy: true }, { maxFailedLogins: 2 });
    for (let i = 0; i < 2; i++) expect((await proxied.http('POST', '/dashboard/login', form('wrong-guess-0000000000', '203.0.113.66'))).status).toBe(401);
    expect((await proxied.http('POST', '/dashboard/login', form(SECRET, '203.0.113.66'))).status).toBe(429);
    expect((await proxied.http('POST', '/dashboard/login', form(SECRET, '198.51.100.7'))).status).toBe(303);
    // Without trustProxy a forged header buys no fresh budget.
    const direct = await serveWithAdmin({}, { maxFailedLogins: 2 });
    for (const xff of ['203.0.113.1', '203.0.113.2'])
      expect((await direct.http('POST', '/dashboard/login', form('wrong-guess-0000000000', xff))).status).toBe(401);
    expect((await direct.http('POST', '/dashboard/login', form(SECRET, '203.0.113.3'))).status).toBe(429);
  });

  it('LogThrottle stays bounded when refusals come from ever new addresses within one window', () => {
    const t = new LogThrottle(2, 10_000, () => 0, 100);
    for (let i = 0; i < 10_000; i++) expect(t.take(`refused|join|1|10.1.${i >> 8}.${i & 255}`)).toBe(0);
    expect(t.size).toBeLessThanOrEqual(100);
    // A recent key keeps its count.
    const k = 'refused|join|1|10.1.39.15';
    expect([t.take(k), t.take(k)]).toEqual([0, null]);
  });

  it('FailureLimiter stays bounded when failures come from ever new addresses', () => {
    const l = new FailureLimiter(3, 60_000, () => 0, 100);
    for (let i = 0; i < 10_000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(l.size).toBeLessThanOrEqual(100);
    // The latest addresses are still counted.
    l.fail('10.0.39.15');
    l.fail('10.0.39.15');
    expect(l.blocked('10.0.39.15')).toBe(true);
  });
});
