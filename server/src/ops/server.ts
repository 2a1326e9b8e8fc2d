// The admin port: admin API, dashboard and (when enabled) Prometheus metrics, all behind the
// admin secret. Anything but the login page and the login itself needs `Authorization: Bearer
// <secret>` or a dashboard session cookie; limits on headers, bodies and time apply to all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminApi, type AdminContext } from './admin-api.js';
import { DashboardSessions, FailureLimiter, SecretCheck, parseCookies } from './auth.js';
import type { ResolvedAdminConfig } from './config.js';
import { dashboardAssets } from './dashboard/assets.js';
import { HttpError, readBody, send, sendError } from './http.js';
import type { Metrics } from './metrics.js';

const COOKIE = 'mprtc_admin';
/** Mutations authenticated by cookie must carry this header: a cross-site form cannot set it. */
const CSRF_HEADER = 'x-mprtc-admin';

export interface OpsServerOptions {
  config: ResolvedAdminConfig;
  admin: AdminContext;
  metrics: Metrics | null;
}

export class OpsServer {
  private readonly secret: SecretCheck;
  private readonly sessions: DashboardSessions;
  private readonly failures: FailureLimiter;
  private server: Server | undefined;

  constructor(private readonly o: OpsServerOptions) {
    this.secret = new SecretCheck(o.config.secret);
    this.sessions = new DashboardSessions(o.config.sessionTtlMs);
    this.failures = new FailureLimiter(o.config.maxFailedLogins, 60_000);
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
    server.on('clientError', (_e, socket) => socket.destroy());
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
    const ip = req.socket.remoteAddress ?? 'unknown';
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
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
    if (by === 'cookie' && method !== 'GET' && method !== 'HEAD' && req.headers[CSRF_HEADER] !== '1') {
      throw new HttpError(403, 'FORBIDDEN', `a change made with the dashboard cookie must carry the ${CSRF_HEADER} header`);
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
      if (this.failures.blocked(ip)) throw new HttpError(429, 'TOO_MANY_ATTEMPTS', 'too many failed attempts from this address; try again later');
      const m = /^Bearer (.+)$/.exec(h);
      if (m && this.secret.matches(m[1]!)) return 'bearer';
      this.failures.fail(ip);
      return null;
    }
    return this.sessions.valid(cookie) ? 'cookie' : null;
  }

  private async login(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    if (this.failures.blocked(ip)) throw new HttpError(429, 'TOO_MANY_ATTEMPTS', 'too many failed attempts from this address; try again later');
    const form = new URLSearchParams(await readBody(req, this.o.config.maxBodyBytes));
    const secret = form.get('secret') ?? '';
    if (!this.secret.matches(secret)) {
      this.failures.fail(ip);
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

