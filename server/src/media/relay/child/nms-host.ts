// node-media-server inside the relay process, on loopback ports only the guard fronts talk to.
// Sessions are matched to front connections by the upstream socket's port; a session whose
// connection the server did not admit is refused. Whatever the library throws while handling
// one connection closes that connection, not the process.

import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Tracks } from '../../signing.js';
import { DeliveryGate, rewriteFlvHeader } from '../gate.js';
import { classifyFlv, classifyRtmp } from '../tags.js';
import { freePort } from '../config.js';
import { destroySession, NodeMediaServer, nmsContext, pinLogLevel, type NmsSession } from '../nms.js';

/** One admitted (or being admitted) front connection, as the library hooks see it. */
export interface Admitted {
  purpose: 'push' | 'play';
  tracks: Tracks;
  paused: boolean;
  gate: DeliveryGate | null;
  session: NmsSession | null;
}

export interface NmsHostOptions {
  logLevel: string;
  storeDir: string;
  /** The admitted connection behind an upstream port, if any (asked for a publish or a play). */
  lookup(port: number | undefined, purpose: 'push' | 'play'): Admitted | null;
  /** Whether a port belongs to one of the fronts' upstream sockets. */
  known(port: number | undefined): boolean;
  /** A publish the server admitted was accepted by the library. */
  pushStarted(admitted: Admitted): void;
  /** The library threw while handling one connection (which is then closed). */
  threw(err: unknown): void;
}

export interface NmsHost {
  rtmpPort: number;
  httpPort: number;
}

function sessionPort(session: NmsSession): number | undefined {
  return session.socket?.remotePort ?? session.req?.socket?.remotePort;
}

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** Catches throws from the library's handlers of one socket's events, and closes that socket. */
function containSocket(socket: Socket, options: NmsHostOptions): void {
  const emit = socket.emit as Emit;
  let checked = false;
  (socket as { emit: Emit }).emit = function (event, ...args) {
    if (event === 'data' && !checked) {
      checked = true;
      // Only the fronts may talk to the library: a local process connecting here directly is cut.
      if (!options.known(socket.remotePort)) {
        socket.destroy();
        return false;
      }
    }
    try {
      return emit.call(this, event, ...args);
    } catch (err) {
      options.threw(err);
      socket.destroy();
      return false;
    }
  };
}

function containHttp(server: HttpServer, options: NmsHostOptions): void {
  server.prependListener('connection', (socket: Socket) => containSocket(socket, options));
  const emit = server.emit as Emit;
  (server as { emit: Emit }).emit = function (event, ...args) {
    if (event !== 'request' && event !== 'upgrade') return emit.call(this, event, ...args);
    const socket = (args[0] as IncomingMessage).socket;
    if (!options.known(socket.remotePort)) {
      socket.destroy();
      return false;
    }
    try {
      return emit.call(this, event, ...args);
    } catch (err) {
      options.threw(err);
      socket.destroy();
      return false;
    }
  };
}

export async function startNms(options: NmsHostOptions): Promise<NmsHost> {
  // Signs the library's own check for sessions we accepted; never leaves this process.
  const innerSecret = randomBytes(24).toString('base64url');
  const rtmpPort = await freePort('127.0.0.1');
  const httpPort = await freePort('127.0.0.1');
  pinLogLevel(options.logLevel);
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    rtmp: { port: rtmpPort },
    http: { port: httpPort },
    auth: { publish: true, play: true, secret: innerSecret },
    store: { path: options.storeDir },
    webadmin: { enable: false },
  });

  const refuse = (session: NmsSession): void => {
    if (session.streamQuery && typeof session.streamQuery === 'object') session.streamQuery.sign = 'refused';
    else session.streamQuery = { sign: 'refused' };
    destroySession(session);
  };
  const sign = (session: NmsSession): void => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const hash = createHash('md5').update(`${session.streamPath}-${exp}-${innerSecret}`).digest('hex');
    session.streamQuery.sign = `${exp}-${hash}`;
  };

  nmsContext.eventEmitter.on('prePublish', (session: NmsSession) => {
    const a = options.lookup(sessionPort(session), 'push');
    if (!a || a.purpose !== 'push' || a.session || session.protocol !== 'rtmp') return refuse(session);
    a.session = session;
    sign(session);
    // Without a grace window the path is free as soon as the publisher leaves, and a newcomer
    // from the same address cannot "resume" someone else's publish.
    session.broadcast.publishGraceMs = 0;
  });
  nmsContext.eventEmitter.on('postPublish', (session: NmsSession) => {
    const a = options.lookup(sessionPort(session), 'push');
    // The library refuses a second publisher right after this event; only a free path is ours.
    if (!a || a.session !== session || session.broadcast.publisher !== null) return;
    options.pushStarted(a);
  });
  nmsContext.eventEmitter.on('prePlay', (session: NmsSession) => {
    const a = options.lookup(sessionPort(session), 'play');
    if (!a || a.purpose !== 'play' || a.session) return refuse(session);
    a.session = session;
    sign(session);
    // A player has no business sending media; the library would forward it to everyone.
    if (session.rtmp) session.rtmp.onPacketCallback = () => {};
    if (session.flv) session.flv.onPacketCallback = () => {};
    const gate = new DeliveryGate({ audio: a.tracks === 'av' || a.tracks === 'a', video: a.tracks === 'av' || a.tracks === 'v' });
    gate.setPaused(a.paused);
    a.gate = gate;
    const classify = session.protocol === 'flv' ? classifyFlv : classifyRtmp;
    const send = session.sendBuffer;
    session.sendBuffer = (buffer: Buffer) => {
      const kind = classify(buffer);
      const broadcast = session.broadcast;
      const sourceHasVideo = broadcast.rtmpVideoHeader !== null || broadcast.flvVideoHeader !== null;
      if (!gate.admit(kind, sourceHasVideo)) return;
      send(kind === 'stream-header' ? rewriteFlvHeader(buffer, gate.tracks) : buffer);
    };
  });

  // The library exits the process when a port is taken; report it instead.
  let listenFailed: (err: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    listenFailed = reject;
  });
  failure.catch(() => {});
  nms.rtmpServer.handleListenError = () => (err) => listenFailed(err);
  const http = nms.httpServer.httpServer!;
  http.removeAllListeners('error');
  http.on('error', (err) => listenFailed(err));
  const tcp = nms.rtmpServer.tcpServer as NetServer;
  tcp.prependListener('connection', (socket: Socket) => containSocket(socket, options));
  containHttp(http, options);

  await nms.run();
  await Promise.race([Promise.all([tcp, http].map((s) => (s.listening ? undefined : once(s, 'listening')))), failure]);
  return { rtmpPort, httpPort };
}
