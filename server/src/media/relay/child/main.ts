// The relay process: the guard fronts on the public ports, node-media-server on loopback behind
// them. Started and supervised by RelayMediaPlane (server process), which keeps every grant and
// answers each publish / play over IPC. Exits when the server goes away.

import { once } from 'node:events';
import type { Server } from 'node:net';
import type { ChildConfig, ToRelay, ToServer } from '../ipc.js';
import { createFlvFront } from '../guard/flv-front.js';
import { createRtmpFront } from '../guard/rtmp-front.js';
import { ConnectionCounter } from '../guard/limits.js';
import type { Admission, FrontConn, FrontHost } from '../guard/front.js';
import { startNms, type Admitted } from './nms-host.js';

const ADMIT_TIMEOUT_MS = 5_000;

function send(msg: ToServer): void {
  if (process.connected) process.send!(msg);
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

// Anything not contained per connection leaves the process in an unknown state: report it and
// exit, the server restarts us.
process.on('uncaughtException', (err) => {
  send({ t: 'log', level: 'error', message: `relay process: uncaught ${message(err)}` });
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  send({ t: 'log', level: 'error', message: `relay process: unhandled rejection ${message(err)}` });
  process.exit(70);
});
process.on('disconnect', () => process.exit(0));
// A terminal's Ctrl-C (or a SIGTERM to the process group) reaches us along with the server. The
// server stops us over IPC in its orderly shutdown; dying first would look like a crash and
// make it report failed pushes and restart us. If the server itself dies, 'disconnect' ends us.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

interface Conn {
  conn: FrontConn;
  /** The server was asked about this connection: it must hear when it closes. */
  asked: boolean;
  admitted: Admitted | null;
  port: number | null;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as ChildConfig & { storeDir: string };
  const conns = new Map<string, Conn>();
  const byPort = new Map<number, Conn>();
  const pending = new Map<number, (msg: Extract<ToRelay, { t: 'verdict' }> | null) => void>();
  let nextReq = 0;

  // Refusals are counted and reported every few seconds, so a flood costs no more than a line.
  const refusals = new Map<string, number>();
  setInterval(() => {
    if (refusals.size === 0) return;
    const summary = [...refusals].map(([reason, n]) => `${reason} x${n}`).join(', ');
    refusals.clear();
    send({ t: 'log', level: 'warn', message: `relay guard refused: ${summary}` });
  }, 10_000).unref();

  // The guard should leave the library nothing to throw on: when it still does, say so at once
  // (at most one line a second, with a count of what it folded in).
  let threwSince = 0;
  let lastThrowLine = 0;
  const libraryThrew = (err: unknown): void => {
    threwSince += 1;
    if (Date.now() - lastThrowLine < 1_000) return;
    lastThrowLine = Date.now();
    send({
      t: 'log',
      level: 'error',
      message: `relay library threw while handling a connection (closed it; ${threwSince} since the last line): ${message(err).slice(0, 200)}`,
    });
    threwSince = 0;
  };

  const entry = (conn: FrontConn): Conn => {
    let c = conns.get(conn.id);
    if (!c) {
      c = { conn, asked: false, admitted: null, port: null };
      conns.set(conn.id, c);
    }
    return c;
  };

  const host: FrontHost = {
    admit(conn: FrontConn, admission: Admission): Promise<boolean> {
      const req = ++nextReq;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => finish(null), ADMIT_TIMEOUT_MS);
        const finish = (verdict: Extract<ToRelay, { t: 'verdict' }> | null): void => {
          clearTimeout(timer);
          pending.delete(req);
          if (!verdict || !verdict.ok || !conns.has(conn.id)) return resolve(false);
          entry(conn).admitted = { purpose: admission.purpose, tracks: verdict.tracks, paused: verdict.paused, gate: null, session: null };
          resolve(true);
        };
        pending.set(req, finish);
        entry(conn).asked = true;
        send({ t: 'admit', id: conn.id, req, admission });
      });
    },
    upstream(conn, port) {
      const c = entry(conn);
      c.port = port;
      byPort.set(port, c);
    },
    closed(conn) {
      const c = conns.get(conn.id);
      conns.delete(conn.id);
      if (!c) return;
      if (c.port !== null) byPort.delete(c.port);
      // Also when it closed while being authorised: the server may have counted it meanwhile.
      if (c.asked) send({ t: 'closed', id: conn.id });
    },
    refused(reason) {
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    },
  };

  const nms = await startNms({
    logLevel: config.logLevel,
    storeDir: config.storeDir,
    lookup: (port) => (port === undefined ? null : (byPort.get(port)?.admitted ?? null)),
    known: (port) => port !== undefined && byPort.has(port),
    pushStarted: (admitted) => {
      for (const c of conns.values()) if (c.admitted === admitted) send({ t: 'push-started', id: c.conn.id });
    },
    threw: (err) => libraryThrew(err),
  });

  process.on('message', (msg: ToRelay) => {
    switch (msg.t) {
      case 'verdict':
        pending.get(msg.req)?.(msg);
        break;
      case 'drop':
        conns.get(msg.id)?.conn.kill('');
        break;
      case 'pause': {
        const a = conns.get(msg.id)?.admitted;
        if (!a) break;
        a.paused = msg.paused;
        a.gate?.setPaused(msg.paused);
        break;
      }
      case 'ping':
        send({ t: 'pong', n: msg.n });
        break;
      case 'stop':
        process.exit(0);
    }
  });

  const counter = new ConnectionCounter(config.limits);
  const servers: Server[] = [createRtmpFront({ limits: config.limits, counter, host, upstreamPort: nms.rtmpPort })];
  const ports = [config.rtmpPort];
  if (config.httpPort !== null) {
    servers.push(createFlvFront({ limits: config.limits, counter, host, upstreamPort: nms.httpPort }));
    ports.push(config.httpPort);
  }
  try {
    await Promise.all(
      servers.map(async (server, i) => {
        server.listen(ports[i], config.host);
        await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
      }),
    );
  } catch (err) {
    send({ t: 'listen-error', message: message(err) });
    process.exit(3);
  }
  send({ t: 'ready' });
}

main().catch((err: unknown) => {
  send({ t: 'listen-error', message: message(err) });
  process.exit(3);
});
