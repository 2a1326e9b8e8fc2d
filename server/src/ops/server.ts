// The admin port: admin API, dashboard and (when enabled) Prometheus metrics, all behind the
// admin secret. Anything but the login page and the login itself needs `Authorization: Bearer
// <secret>` or a dashboard session cookie; limits on headers, bodies and time apply to all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { clientAddress, limitKey, type TrustProxy } from '../signaling/client-address.js';
import { SocketCounter } from '../signaling/rate-limit.js';
import { adminApi, type AdminContext } from './admin-api.js';
import { DashboardSessions, FailureLimiter, SecretCheck, parseCookies } from './auth.js';
import type { ResolvedAdminConfig } from './config.js';
import { dashboardAssets } from './dashboard/assets.js';
import { HttpError, SECURITY_HEADERS, readBody, send, sendError } from './http.js';
import type { Metrics } from './metrics.js';

const COOKIE = 'mprtc_admin';
/** Mutations authenticated by cookie must carry this header: a cross-site form cannot set it. */
const CSRF_HEADER = 'x-mprtc-admin';

/** A whole HTTP answer written straight to a socket that is refused before any request is read. */
function rawAnswer(status: number, text: string, code: string, reason: string): string {
  const body = JSON.stringify({ error: { code, reason } });
  const headers = Object.entries(SECURITY_HEADERS)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${headers}connection: close\r\n\r\n${body}`;
}

/** What Node's HTTP parser reports about a bad request, as our answer (the socket is closed after it). */
function clientErrorAnswer(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return rawAnswer(431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request headers exceed 16 KiB');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return rawAnswer(408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request did not arrive in time');
  return rawAnswer(400, 'Bad Request', 'BAD_REQUEST', 'the request is not valid HTTP');
}

export interface OpsServerOptions {
  config: ResolvedAdminConfig;
  /** As the signaling server's: behind a TLS proxy, X-Forwarded-For names who failed a login. */
  trustProxy: TrustProxy;
  admin: AdminContext;
  metrics: Metrics | null;
}

export class OpsServer {
  private readonly secret: SecretCheck;
  private readonly sessions: DashboardSessions;
  private readonly failures: FailureLimiter;
  private server: Server | undefined;
  /** Open connections per address key and in total: counted at accept, before a byte is parsed. */
  private readonly counter: SocketCounter;
  /** Sockets answered 429/503 at accept: whatever request the parser still finds on them is ignored. */
  private readonly refused = new WeakSet<Socket>();

  constructor(private readonly o: OpsServerOptions) {
    this.secret = new SecretCheck(o.config.secret);
    this.sessions = new DashboardSessions(o.config.sessionTtlMs);
    this.failures = new FailureLimiter(o.config.maxFailedLogins, 60_000);
    this.counter = new SocketCounter(o.config.maxConnectionsPerAddress, o.config.maxConnections);
  }

  /** Connection caps: a refused socket gets one short JSON answer and is closed, nothing is parsed. */
  private onConnection(socket: Socket): void {
    const key = limitKey(clientAddress(socket.remoteAddress, undefined, false));
    const refusal = this.counter.refusal(key);
    if (refusal !== null) {
      this.refused.add(socket);
      const perAddress = refusal.startsWith('too many');
      socket.on('error', () => {});
      socket.end(
        perAddress
          ? rawAnswer(429, 'Too Many Requests', 'TOO_MANY_CONNECTIONS', 'too many connections from this address')
          : rawAnswer(503, 'Service Unavailable', 'TOO_MANY_CONNECTIONS', 'the admin port holds its maximum of connections'),
      );
      // A client that does not read the answer or close is cut.
      socket.setTimeout(2_000, () => socket.destroy());
      return;
    }
    this.counter.open(key);
    socket.once('close', () => this.counter.closed(key));
  }

  async listen(): Promise<{ url: string; port: number }> {
    const { host, port, requestTimeoutMs } = this.o.config;
    const server = createServer(
      {
        requestTimeout: requestTimeoutMs,
        headersTimeout: Math.min(requestTimeoutMs, 10_000),
        // Node checks those timeouts on this interval (30 s by default): a slow client goes in time.
        connectionsCheckingInterval: Math.min(requestTimeoutMs, 1_000),
        maxHeaderSize: 16 * 1024,
      },
      (req, res) => {
        if (this.refused.has(req.socket)) return void req.socket.destroy();
        this.handle(req, res).catch((e: unknown) => {
          if (e instanceof HttpError) return sendError(res, e);
          sendError(res, new HttpError(500, 'SERVER_ERROR', 'the admin server failed to handle the request'));
        });
      },
    );
    server.keepAliveTimeout = 5_000;
    server.timeout = requestTimeoutMs * 3;
    server.maxRequestsPerSocket = 1000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    // A malformed request, oversized headers, a request too slow: a JSON answer when the socket can
    // still take one (no answer of ours begun on it), then the socket is closed.
    server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
      const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
      if (e.code === 'ECONNRESET' || !socket.writable || started || this.refused.has(socket)) return void socket.destroy();
      socket.end(clientErrorAnswer(e.code));
      socket.setTimeout(2_000, () => socket.destroy());
    });
    const actual = (server.address() as AddressInfo).port;
    const shown = host.includes(':') ? `[${host}]` : host;
    return { url: `http://${shown}:${actual}/`, port: actual };
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Connections are capped per socket address (at accept, before any header is read); failed
    // logins per client address, which behind a trusted proxy is its X-Forwarded-For entry.
    const ip = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.o.trustProxy);
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    let parts: string[];
    try {
      parts = url.pathname
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the path is not valid');
    }
    const method = req.method ?? 'GET';
    const cookie = parseCookies(req.headers.cookie).get(COOKIE);
    const dashboard = this.o.config.dashboard && parts[0] === 'dashboard';

    // The two routes open to everyone: the login form and the login.
    if (dashboard && parts.length === 1 && method === 'GET' && !this.sessions.valid(cookie)) {
      return send(res, 200, 'text/html; charset=utf-8', dashboardAssets().login);
    }
    if (dashboard && parts.length === 2 && parts[1] === 'login' && method === 'POST') return this.login(req, res, ip);

    const by = this.authenticate(req, cookie, ip);
    if (by === null) throw new HttpError(401, 'UNAUTHORIZED', 'this route needs the admin secret (Authorization: Bearer <secret>) or a dashboard login');
    if (by === 'cookie' && method !== 'GET' && method !== 'HEAD' && req.headers[CSRF_HEADER] !== '1' && !sameOrigin(req)) {
      throw new HttpError(
        403,
        'FORBIDDEN',
        `a change made with the dashboard cookie must carry the ${CSRF_HEADER} header or come from the dashboard's own origin`,
      );
    }

    if (parts[0] === 'admin' && parts[1] === 'api') return adminApi(this.o.admin, req, res, parts.slice(2), ip, url.searchParams);
    if (parts[0] === 'metrics' && parts.length === 1 && this.o.metrics && method === 'GET') {
      return send(res, 200, this.o.metrics.contentType, await this.o.metrics.render());
    }
    if (dashboard) {
      if (parts.length === 2 && parts[1] === 'logout' && method === 'POST') {
        this.sessions.end(cookie);
        this.o.admin.events.emit({ type: 'admin', action: 'logout', ok: true, ip });
        return send(res, 303, 'text/plain; charset=utf-8', 'logged out', { location: '/dashboard', 'set-cookie': this.cookie('', 0) });
      }
      const asset = dashboardAssets().assets.get(parts.slice(1).join('/'));
      if (asset && method === 'GET') return send(res, 200, asset.type, asset.body);
    }
    throw new HttpError(404, 'NOT_FOUND', 'no such route');
  }

  /** 'bearer', 'cookie', or null. Addresses that failed too often are refused before checking. */
  private authenticate(req: IncomingMessage, cookie: string | undefined, ip: string): 'bearer' | 'cookie' | null {
    const h = req.headers.authorization;
    if (h !== undefined) {
      if (this.failures.blocked(limitKey(ip))) throw new HttpError(429, 'TOO_MANY_ATTEMPTS', 'too many failed attempts from this address; try again later');
      const m = /^Bearer (.+)$/.exec(h);
      if (m && this.secret.matches(m[1]!)) return 'bearer';
      this.failures.fail(limitKey(ip));
      return null;
    }
    return this.sessions.valid(cookie) ? 'cookie' : null;
  }

  private async login(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    // Failed attempts are counted per address key (IPv6 per /64, like the signaling limits).
    if (this.failures.blocked(limitKey(ip))) throw new HttpError(429, 'TOO_MANY_ATTEMPTS', 'too many failed attempts from this address; try again later');
    const form = new URLSearchParams(await readBody(req, this.o.config.maxBodyBytes));
    const secret = form.get('secret') ?? '';
    if (!this.secret.matches(secret)) {
      this.failures.fail(limitKey(ip));
      this.o.admin.events.emit({ type: 'admin', action: 'login', ok: false, ip, code: 'UNAUTHORIZED', reason: 'wrong secret' });
      return send(res, 401, 'text/html; charset=utf-8', dashboardAssets().login.toString('utf8').replace('<!--error-->', '<p class="error">Wrong secret.</p>'));
    }
    const id = this.sessions.create();
    this.o.admin.events.emit({ type: 'admin', action: 'login', ok: true, ip });
    send(res, 303, 'text/plain; charset=utf-8', 'logged in', { location: '/dashboard', 'set-cookie': this.cookie(id, Math.floor(this.sessions.ttlMs / 1000)) });
  }

  private cookie(value: string, maxAge: number): string {
    return `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${this.o.config.secureCookie ? '; Secure' : ''}`;
  }
}

/**
 * A browser's form post from the dashboard's own page (its "Log out" button) says so: in
 * `Sec-Fetch-Site` (a header no page can set; our no-referrer policy makes browsers send
 * `Origin: null` on such posts), or in an Origin whose host is the one it asked. A cross-site
 * page's post says `cross-site` / carries its own origin.
 */
function sameOrigin(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'same-origin') return true;
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string' || origin === 'null') return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.toLowerCase();
  } catch {
    return false;
  }
}
