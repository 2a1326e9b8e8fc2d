// The signaling server: a ws WebSocketServer whose sockets become Connections, sharing one
// RoomService (room rules + store + media plane) and one report store.
import { createServer as createHttpServer, STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { resolveConfig, type ResolvedConfig, type ServerConfig } from '../config.js';
import type { MediaPlane } from '../media/plane.js';
import { ReportStore } from '../reports/store.js';
import { RoomService } from '../rooms/service.js';
import { InMemoryRoomStore } from '../rooms/store.js';
import { createOps, ServerEvents, type Logger } from '../ops/index.js';
import { observeMedia } from '../ops/media.js';
import { CLOSE, ClientSocket, type ClientSocketContext } from './client-socket.js';
import { UncheckedUrlPlane } from '../media/unchecked.js';
import { clientAddress, limitKey } from './client-address.js';
import { RateLimiter, SocketCounter } from './rate-limit.js';
import { SessionRegistry, type SessionEntry } from './sessions.js';
import { Admission } from './admission.js';
import { Deadlines, startSweep, sweepEveryMs } from './sweep.js';
import { afterAudience, beforeAudience } from './write-batch.js';
import { ClusterNode } from '../cluster/node.js';

export interface RunningServer {
  /** ws://host:port/ to hand to clients */
  url: string;
  port: number;
  /** Room state, for operators and tests (members with businessId, streams, subscriptions). */
  rooms: RoomService;
  /** What clients reported from their WeChat components. */
  reports: ReportStore;
  /** Closes every socket, stops listening, stops the media plane. */
  close(): Promise<void>;
  /** Open sockets and sessions (attached or within their grace period), for tests and operators. */
  stats(): { sockets: number; sessions: number };
  /** What the server tells its operators (joins, refusals, pushes, ...): logs and metrics listen here. */
  events: ServerEvents;
  /** The admin port (admin API, dashboard, metrics), when configured. */
  admin: { url: string; port: number } | null;
  logger: Logger | null;
  /** With `redis`: this node's id in the cluster; null in memory. */
  nodeId: string | null;
}

export class SignalingServer {
  readonly config: ResolvedConfig;
  readonly rooms: RoomService;
  readonly reports: ReportStore;
  readonly events: ServerEvents = new ServerEvents();
  private readonly media: MediaPlane;
  private readonly offMediaEvents: () => void;
  private readonly sessions: SessionRegistry;
  /** With `redis`: this node of the cluster (rooms and sessions shared through Redis). */
  readonly cluster: ClusterNode | null;
  private readonly connections = new Set<ClientSocket>();
  /** The sockets' join and idle deadlines, swept by one timer. */
  private readonly deadlines = new Deadlines();
  private wss: WebSocketServer | undefined;
  private http: HttpServer | undefined;
  private stopSweep: (() => void) | undefined;
  /** Called when the last socket closed, while close() waits for that. */
  private drained: (() => void) | undefined;

  constructor(config: ServerConfig) {
    this.config = resolveConfig(config);
    this.media = config.media ?? new UncheckedUrlPlane();
    const c = this.config;
    const reportLimits = { perUser: c.reportsPerUser, bytesPerUser: c.reportBytesPerUser, bytesTotal: c.reportBytesTotal, retentionMs: c.reportRetentionMs };
    const onExpire = (e: SessionEntry): void => {
      // The grace period ran out: a real leave, the others hear peer-leave {reason: 'timeout'}.
      Promise.resolve()
        .then(() => this.rooms.leave(e.key, e.userId, e.sessionId, 'timeout'))
        .catch((err: unknown) => this.events.fault('leave after grace failed', err));
      this.reports.sessionEnded(e.key.appId, e.key.roomId, e.userId);
    };
    // Without redis nothing of the cluster is built: the in-memory path is as it was.
    this.cluster = c.redis ? new ClusterNode(c.redis, c.resumeGraceMs, onExpire) : null;
    // Each node's relay holds what was pushed to it: URLs and controls go to that node's relay.
    if (this.cluster) this.media = this.cluster.wrapMedia(this.media);
    // With redis, reports are also mirrored to Redis for the operators' cluster-wide view.
    this.reports = this.cluster?.reportStore(reportLimits) ?? new ReportStore(reportLimits);
    const sessions = this.cluster?.sessions ?? new SessionRegistry(this.config.resumeGraceMs, onExpire);
    this.sessions = sessions;
    this.rooms = new RoomService(config.store ?? this.cluster?.store ?? new InMemoryRoomStore(), this.media, this.config.limits, {
      event: (sessionId, event, data) => sessions.event(sessionId, event, data),
      kick: (sessionId, code, reason) => {
        const e = sessions.remove(sessionId, true);
        (e?.conn as ClientSocket | null | undefined)?.kick(code, reason);
      },
      beforeAudience,
      afterAudience,
    });
    this.rooms.events = this.events;
    this.offMediaEvents = observeMedia(this.media, this.events);
  }

  /** Starts the media plane, then listens. Resolves with the address clients connect to. */
  async listen(): Promise<{ url: string; port: number }> {
    await this.cluster?.start();
    await this.media.start();
    const { host, port, path, maxPayloadBytes, trustProxy, maxSockets, maxSocketsPerAddress } = this.config;
    // Before the upgrade, per socket address (not behind a trusted proxy, where every connection
    // is the proxy's); after it, per client address.
    const proxied = trustProxy !== false && trustProxy !== 0;
    const admission = new Admission(
      new SocketCounter(proxied ? Number.MAX_SAFE_INTEGER : maxSocketsPerAddress, maxSockets),
      new SocketCounter(maxSocketsPerAddress, maxSockets),
    );
    // Our own HTTP server, so the time before the upgrade is bounded: a connection that sends no
    // or a slow upgrade request is not counted anywhere yet (Node's default keeps it ~90 s).
    const upgradeMs = this.config.upgradeTimeoutMs;
    const http = createHttpServer(
      { headersTimeout: upgradeMs, requestTimeout: upgradeMs, connectionsCheckingInterval: Math.min(upgradeMs, 1_000) },
      (_req, res) => {
        const body = STATUS_CODES[426]!;
        res.writeHead(426, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
        res.end(body);
      },
    );
    this.http = http;
    this.capUpgrades(http, admission);
    const wss = new WebSocketServer({
      server: http,
      // ws refuses a larger frame from its header, before buffering it (close 1009).
      maxPayload: maxPayloadBytes,
      perMessageDeflate: false,
      // `connections` lists the sockets; ws's own list would cost a Set entry and a closure each.
      clientTracking: false,
      ...(path ? { path } : {}),
      // Socket caps apply at the upgrade: a refused socket costs one HTTP answer, nothing more.
      verifyClient: (info, done) => {
        const address = clientAddress(info.req.socket.remoteAddress, info.req.headers['x-forwarded-for'], trustProxy);
        const key = limitKey(address);
        const refusal = admission.open.refusal(key);
        if (refusal !== null) {
          this.events.emit({ type: 'limit', limit: 'sockets', ip: address });
          return done(false, refusal.startsWith('too many') ? 429 : 503, refusal);
        }
        // Counted from here, so a burst of upgrades cannot slip past; the TCP socket's end frees it.
        admission.opened(info.req.socket, key);
        done(true);
      },
    });
    this.wss = wss;
    // ws re-emits the HTTP server's errors (a port in use) on itself.
    await new Promise<void>((resolve, reject) => {
      wss.once('error', reject);
      http.listen(port, host, () => {
        wss.off('error', reject);
        resolve();
      });
    });
    wss.on('error', (e) => this.events.fault('signaling server error', e));
    const ctx: ClientSocketContext = {
      config: this.config,
      rooms: this.rooms,
      reports: this.reports,
      // With redis these budgets are the cluster's, not each node's.
      joinLimiter:
        this.cluster?.limiter('join', this.config.joinRateLimit) ?? new RateLimiter(this.config.joinRateLimit.max, this.config.joinRateLimit.windowMs),
      tokenRefusals:
        this.cluster?.limiter('token-refusals', this.config.tokenRefusalLimit) ??
        new RateLimiter(this.config.tokenRefusalLimit.max, this.config.tokenRefusalLimit.windowMs),
      sessions: this.sessions,
      deadlines: this.deadlines,
      events: this.events,
      onSocketClose: (conn, code) => {
        this.connections.delete(conn);
        this.events.emit({ type: 'socket-close', ip: conn.ip, code });
        if (this.connections.size === 0) this.drained?.();
      },
    };
    wss.on('connection', (ws, req) => {
      const ip = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy);
      this.connections.add(new ClientSocket(ws, req.socket as Socket, ip, ctx));
      this.events.emit({ type: 'socket-open', ip });
    });
    // The sockets' join and idle deadlines: one timer for all of them.
    this.stopSweep = startSweep(this.deadlines, sweepEveryMs(this.config.joinTimeoutMs, this.config.idleTimeoutMs), (e) =>
      this.events.fault('socket sweep failed', e),
    );
    const actual = (wss.address() as AddressInfo).port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return { url: `ws://${shownHost}:${actual}${path ?? '/'}`, port: actual };
  }

  /**
   * Connections not yet upgraded, counted at accept before a byte is read: at most maxSockets in
   * all and maxSocketsPerAddress per socket address (not behind a trusted proxy, where every
   * connection is the proxy's). Past a cap the connection is closed at once. Once upgraded, a
   * socket is counted by the upgrade's caps instead.
   */
  private capUpgrades(http: HttpServer, admission: Admission): void {
    http.on('connection', (socket: Socket) => {
      const address = clientAddress(socket.remoteAddress, undefined, false);
      if (admission.accept(socket, limitKey(address))) return;
      this.events.emit({ type: 'limit', limit: 'sockets', ip: address });
      socket.destroy();
    });
    // Registered before ws's own 'upgrade' listener: released before the upgrade's caps count.
    http.on('upgrade', (req: { socket: Socket }) => admission.upgraded(req.socket));
  }

  stats(): { sockets: number; sessions: number } {
    return { sockets: this.connections.size, sessions: this.sessions.size };
  }

  async close(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    this.stopSweep?.();
    this.stopSweep = undefined;
    if (wss) {
      // No more upgrades (ws keeps no list of its sockets here: `connections` is the list).
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        if (this.connections.size === 0) return resolve();
        // Sockets that do not finish the closing handshake in time are cut.
        const t = setTimeout(() => {
          for (const c of this.connections) c.terminate();
        }, 1000);
        this.drained = () => {
          clearTimeout(t);
          resolve();
        };
        for (const c of this.connections) c.close(CLOSE.SHUTDOWN, 'server shutting down');
      });
    }
    // ws does not close a server it was given: stop listening, cut connections never upgraded.
    const http = this.http;
    this.http = undefined;
    if (http) {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
    // The sockets' close parked their sessions in Redis; the node waits for that, then leaves.
    await this.cluster?.stop();
    this.sessions.dispose();
    this.rooms.dispose();
    this.offMediaEvents();
    await this.media.stop();
  }
}

export function createServer(config: ServerConfig): SignalingServer {
  return new SignalingServer(config);
}

/** Creates a server and listens: `const s = await startServer({ port: 0, apps })`. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const server = createServer(config);
  // Logs and metrics listen before the first port opens; the admin port opens after signaling.
  const ops = createOps(
    {
      events: server.events,
      rooms: server.rooms,
      reports: server.cluster?.reportSource ?? server.reports,
      apps: server.config.apps,
      reportsPerUser: server.config.reportsPerUser,
      stats: () => server.stats(),
      trustProxy: server.config.trustProxy,
    },
    config,
  );
  let admin: { url: string; port: number } | null;
  let address: { url: string; port: number };
  try {
    address = await server.listen();
    server.events.emit({ type: 'listening', what: 'signaling', url: address.url });
    admin = await ops.listen();
  } catch (e) {
    await ops.close();
    await server.close();
    throw e;
  }
  const close = async (): Promise<void> => {
    await ops.close();
    await server.close();
  };
  return {
    ...address,
    rooms: server.rooms,
    reports: server.reports,
    close,
    stats: () => server.stats(),
    events: server.events,
    admin,
    logger: ops.logger,
    nodeId: server.cluster?.nodeId ?? null,
  };
}
