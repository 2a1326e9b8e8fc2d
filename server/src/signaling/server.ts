// The signaling server: a ws WebSocketServer whose sockets become Connections, sharing one
// RoomService (room rules + store + media plane) and one report store.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { resolveConfig, type ResolvedConfig, type ServerConfig } from '../config.js';
import type { MediaPlane } from '../media/plane.js';
import { ReportStore } from '../reports/store.js';
import { RoomService } from '../rooms/service.js';
import { InMemoryRoomStore } from '../rooms/store.js';
import { CLOSE, Connection, type ConnectionContext } from './connection.js';
import { UncheckedUrlPlane } from './media-less.js';
import { RateLimiter } from './rate-limit.js';
import { SessionRegistry } from './sessions.js';

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
}

export class SignalingServer {
  readonly config: ResolvedConfig;
  readonly rooms: RoomService;
  readonly reports: ReportStore;
  private readonly media: MediaPlane;
  private readonly sessions: SessionRegistry;
  private readonly connections = new Set<Connection>();
  private wss: WebSocketServer | undefined;

  constructor(config: ServerConfig) {
    this.config = resolveConfig(config);
    this.media = config.media ?? new UncheckedUrlPlane();
    this.reports = new ReportStore(this.config.reportsPerUser);
    const sessions = new SessionRegistry(this.config.resumeGraceMs, (e) => {
      // The grace period ran out: a real leave, the others hear peer-leave {reason: 'timeout'}.
      this.rooms.leave(e.key, e.userId, e.sessionId, 'timeout').catch((err) => console.error('[mprtc-server] leave after grace failed:', err));
    });
    this.sessions = sessions;
    this.rooms = new RoomService(config.store ?? new InMemoryRoomStore(), this.media, this.config.limits, {
      event: (sessionId, event, data) => sessions.event(sessionId, event, data),
      kick: (sessionId, code, reason) => {
        const e = sessions.remove(sessionId, true);
        (e?.conn as Connection | null | undefined)?.kick(code, reason);
      },
    });
  }

  /** Starts the media plane, then listens. Resolves with the address clients connect to. */
  async listen(): Promise<{ url: string; port: number }> {
    await this.media.start();
    const { host, port, path, maxPayloadBytes } = this.config;
    const wss = new WebSocketServer({ host, port, maxPayload: maxPayloadBytes, ...(path ? { path } : {}) });
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('error', (e) => console.error('[mprtc-server] server error:', e));
    const ctx: ConnectionContext = {
      config: this.config,
      rooms: this.rooms,
      reports: this.reports,
      joinLimiter: new RateLimiter(this.config.joinRateLimit.max, this.config.joinRateLimit.windowMs),
      sessions: this.sessions,
    };
    wss.on('connection', (ws, req) => {
      const conn = new Connection(ws, req.socket.remoteAddress ?? 'unknown', ctx);
      this.connections.add(conn);
      ws.once('close', () => this.connections.delete(conn));
    });
    const actual = (wss.address() as AddressInfo).port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return { url: `ws://${shownHost}:${actual}${path ?? '/'}`, port: actual };
  }

  stats(): { sockets: number; sessions: number } {
    return { sockets: this.connections.size, sessions: this.sessions.size };
  }

  async close(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    if (wss) {
      for (const c of this.connections) c.close(CLOSE.SHUTDOWN, 'server shutting down');
      await new Promise<void>((resolve) => {
        // Sockets that do not finish the closing handshake in time are cut.
        const t = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 1000);
        wss.close(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.sessions.dispose();
    this.rooms.dispose();
    await this.media.stop();
  }
}

export function createServer(config: ServerConfig): SignalingServer {
  return new SignalingServer(config);
}

/** Creates a server and listens: `const s = await startServer({ port: 0, apps })`. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const server = createServer(config);
  const { url, port } = await server.listen();
  return { url, port, rooms: server.rooms, reports: server.reports, close: () => server.close(), stats: () => server.stats() };
}
