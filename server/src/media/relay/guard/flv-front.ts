// The public HTTP-FLV / WS-FLV port. Only `GET /<app>/<stream>.flv?<query>` with names by the
// relay rule is served, and only once the host authorised the play; WebSocket upgrades likewise.
// Everything else is answered here (400 / 403 / 404 / 405) and never reaches the relay library.
// What is forwarded is a request we write ourselves: no query, no subprotocol (the library
// would take a `post` / `publisher` subprotocol or a POST as a publish), no extensions.

import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nextConnId, parseQuery, type Admission, type FrontConn, type FrontHost } from './front.js';
import type { ConnectionCounter, GuardLimits } from './limits.js';
import { RELAY_NAME } from './commands.js';

export interface FlvFrontOptions {
  limits: GuardLimits;
  counter: ConnectionCounter;
  host: FrontHost;
  /** The relay library's loopback HTTP port. */
  upstreamPort: number;
}

const PATH = /^\/([A-Za-z0-9_-]{1,256})\/([A-Za-z0-9_-]{1,256})\.flv$/;
const WS_KEY = /^[A-Za-z0-9+/]{22}==$/;
const MAX_QUERY = 2048;

/** The stream a request line's target names, or null when it is not one we serve. */
export function flvTarget(url: string | undefined): { app: string; stream: string; query: string } | null {
  if (typeof url !== 'string') return null;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const m = PATH.exec(path);
  if (!m || query.length > MAX_QUERY) return null;
  if (!RELAY_NAME.test(m[1]!) || !RELAY_NAME.test(m[2]!)) return null;
  return { app: m[1]!, stream: m[2]!, query };
}

export function createFlvFront(options: FlvFrontOptions): Server {
  const { limits } = options;
  const server = createServer({ maxHeaderSize: 8192, requestTimeout: limits.handshakeTimeoutMs, headersTimeout: limits.handshakeTimeoutMs });
  server.maxHeadersCount = 32;
  server.keepAliveTimeout = 1;
  const owners = new WeakMap<Socket, FlvConnection>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const release = options.counter.acquire(address);
    if (!release) {
      options.host.refused('connection limit');
      socket.destroy();
      return;
    }
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    socket.once('close', release);
    owners.set(socket, new FlvConnection(socket, address, options));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    options.host.refused('malformed HTTP');
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const conn = owners.get(req.socket);
    if (!conn) return void res.destroy();
    conn.onRequest(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const conn = owners.get(req.socket);
    if (!conn) return void socket.destroy();
    conn.onUpgrade(req, socket as Socket, head);
  });
  return server;
}

class FlvConnection implements FrontConn {
  readonly id = nextConnId();
  private used = false;
  private upstream: Socket | null = null;
  private dead = false;

  constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly options: FlvFrontOptions,
  ) {
    socket.once('close', () => this.kill(''));
  }

  kill(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (reason) this.options.host.refused(reason);
    this.socket.destroy();
    this.upstream?.destroy();
    this.options.host.closed(this);
  }

  private answer(res: ServerResponse, status: number, reason: string): void {
    this.options.host.refused(reason);
    res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${status}\n`);
  }

  private admission(target: { app: string; stream: string; query: string }): Admission {
    return { purpose: 'play', protocol: 'flv', app: target.app, stream: target.stream, query: parseQuery(target.query) };
  }

  private open(): Socket {
    const up = connect(this.options.upstreamPort, '127.0.0.1');
    this.upstream = up;
    up.setNoDelay(true);
    up.once('connect', () => {
      if (!this.dead) this.options.host.upstream(this, up.localPort!);
    });
    up.on('error', () => this.kill(''));
    up.on('close', () => this.kill(''));
    return up;
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.used) return this.answer(res, 400, 'a second request on an FLV connection');
    this.used = true;
    if (req.method !== 'GET') return this.answer(res, 405, `HTTP-FLV ${req.method}`);
    const target = flvTarget(req.url);
    if (!target) return this.answer(res, 404, 'HTTP-FLV path');
    // A player sends no body; anything it does send is not read (and counts as idle time).
    req.resume();
    void this.options.host.admit(this, this.admission(target)).then(
      (ok) => {
        if (this.dead) return;
        if (!ok) return this.answer(res, 403, 'not authorised');
        const up = this.open();
        const upReq = request(
          {
            createConnection: () => up,
            method: 'GET',
            path: `/${target.app}/${target.stream}.flv`,
            headers: { host: '127.0.0.1', connection: 'close' },
          },
          (upRes) => {
            // As the library answers (its cors() middleware): browser FLV players read cross-origin.
            const headers: Record<string, string> = {
              'content-type': 'video/x-flv',
              connection: 'close',
              'cache-control': 'no-cache',
              'access-control-allow-origin': '*',
            };
            res.writeHead(upRes.statusCode ?? 502, headers);
            upRes.on('data', (d: Buffer) => {
              if (this.dead) return;
              res.write(d);
              if (this.socket.writableLength > this.options.limits.maxOutboundBacklogBytes) this.kill('client not reading');
            });
            upRes.on('end', () => res.end());
            upRes.on('error', () => this.kill(''));
          },
        );
        upReq.on('error', () => this.kill(''));
        upReq.end();
      },
      () => this.kill(''),
    );
  }

  onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    // Node's HTTP server stops watching a socket's errors once it is upgraded: a player that
    // resets mid-stream (ECONNRESET / EPIPE on the next tag) would be an uncaught error and
    // take the whole relay process, with every live push, down.
    socket.on('error', () => this.kill(''));
    const bad = (status: string, reason: string): void => {
      this.options.host.refused(reason);
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      this.kill('');
    };
    if (this.used) return bad('400 Bad Request', 'a second request on an FLV connection');
    this.used = true;
    const target = flvTarget(req.url);
    if (req.method !== 'GET' || !target) return bad('404 Not Found', 'WS-FLV path');
    const key = req.headers['sec-websocket-key'];
    if (
      String(req.headers.upgrade).toLowerCase() !== 'websocket' ||
      typeof key !== 'string' ||
      !WS_KEY.test(key) ||
      req.headers['sec-websocket-version'] !== '13'
    ) {
      return bad('400 Bad Request', 'WS-FLV handshake');
    }
    let inbound = head.length;
    const pending: Buffer[] = head.length ? [head] : [];
    const limit = this.options.limits.maxPlayerInboundBytes;
    socket.on('data', (d: Buffer) => {
      inbound += d.length;
      if (inbound > limit) return this.kill('WS-FLV player sent too much');
      if (this.upstream) this.upstream.write(d);
      else pending.push(d);
    });
    if (inbound > limit) return this.kill('WS-FLV player sent too much');
    void this.options.host.admit(this, this.admission(target)).then(
      (ok) => {
        if (this.dead) return;
        if (!ok) return bad('403 Forbidden', 'not authorised');
        const up = this.open();
        up.write(
          `GET /${target.app}/${target.stream}.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        for (const d of pending.splice(0)) up.write(d);
        up.on('data', (d: Buffer) => {
          if (this.dead) return;
          socket.write(d);
          if (socket.writableLength > this.options.limits.maxOutboundBacklogBytes) this.kill('client not reading');
        });
      },
      () => this.kill(''),
    );
  }
}
