// Typed access to the parts of node-media-server v4 the relay plane relies on. The package ships
// no types and keeps its state in module singletons (config, sessions, event emitter, logger), so
// we load those same modules through require and describe only what we touch.

import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';

const require = createRequire(import.meta.url);

export interface NmsBroadcast {
  publisher: NmsSession | null;
  publishGraceMs: number;
  rtmpVideoHeader: Buffer | null;
  flvVideoHeader: Buffer | null;
}

export interface NmsSession {
  id: string;
  ip: string;
  protocol: 'rtmp' | 'flv' | string;
  isPublisher: boolean;
  streamApp: string;
  streamName: string;
  streamPath: string;
  streamQuery: Record<string, string | string[] | undefined>;
  broadcast: NmsBroadcast;
  sendBuffer: (buffer: Buffer) => void;
  close: () => void;
  // Present on RTMP sessions.
  socket?: Socket;
  rtmp?: { onPacketCallback: (packet: unknown) => void };
  // Present on HTTP-FLV / WS-FLV sessions.
  req?: { socket?: Socket };
  res?: { terminate?: () => void; destroy?: () => void };
  flv?: { onPacketCallback: (packet: unknown) => void };
}

type ListenErrorFactory = (name: string, port: number) => (err: Error) => void;

export interface NmsInstance {
  on(event: NmsEvent, listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
  rtmpServer: { tcpServer?: NetServer; handleListenError: ListenErrorFactory };
  httpServer: { httpServer?: HttpServer; handleListenError: ListenErrorFactory };
}

export type NmsEvent = 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay';

export interface NmsConfig {
  bind: string;
  rtmp: { port: number };
  http?: { port: number };
  auth: { publish: boolean; play: boolean; secret: string };
  store: { path: string };
  webadmin: { enable: boolean };
}

interface NmsContext {
  sessions: Map<string, NmsSession>;
  broadcasts: Map<string, NmsBroadcast>;
  eventEmitter: EventEmitter;
}

export const NodeMediaServer = require('node-media-server') as new (config: NmsConfig) => NmsInstance;
export const nmsContext = require('node-media-server/src/core/context.js') as NmsContext;
const nmsLogger = require('node-media-server/src/core/logger.js') as { level: string; log: (m: string, l?: string) => void };
const nmsLog = nmsLogger.log;

/** The relay's constructor forces 'debug'; this level holds whatever it sets. */
export function pinLogLevel(level: string): void {
  const silent = level === 'silent';
  Object.defineProperty(nmsLogger, 'level', { get: () => (silent ? 'error' : level), set: () => {}, configurable: true });
  nmsLogger.log = silent ? () => {} : nmsLog;
}

/** Cuts a session off at once: no more bytes in either direction, nothing more relayed from it. */
export function destroySession(session: NmsSession): void {
  // The relay keeps parsing a socket it has merely end()ed and would still forward its media.
  if (session.rtmp) session.rtmp.onPacketCallback = () => {};
  if (session.flv) session.flv.onPacketCallback = () => {};
  if (session.socket) session.socket.destroy();
  else if (session.res?.terminate) session.res.terminate();
  else if (session.req?.socket) session.req.socket.destroy();
  else session.close();
}

/** Runs onClosed once when the session's connection goes away, whichever protocol it uses. */
export function onSessionClosed(session: NmsSession, onClosed: () => void): void {
  const emitter = session.socket ?? session.req?.socket;
  if (emitter) {
    if (emitter.destroyed) queueMicrotask(onClosed);
    else emitter.once('close', onClosed);
    return;
  }
  const ws = session.res as unknown as { once?: (event: string, cb: () => void) => void } | undefined;
  ws?.once?.('close', onClosed);
}
