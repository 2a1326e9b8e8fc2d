// An in-test signaling server on a real loopback WebSocket: each test scripts its answers.
// Used by the runtime's unit tests, where the real server is the layer below (the e2e tests use
// the real one).
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export interface Frame {
  v: number;
  id?: number;
  type: string;
  [key: string]: unknown;
}

export interface FakePeer {
  socket: WebSocket;
  frames: Frame[];
  send(frame: object): void;
  sendRaw(text: string | Buffer): void;
  reply(req: Frame, data: unknown): void;
  refuse(req: Frame, code: number, reason: string): void;
  event(event: string, data: unknown): void;
}

/** Decides what to do with a request frame; the default answers pings and joins. */
export type Script = (frame: Frame, peer: FakePeer) => void;

export const joinOk = { sessionId: 's1', peers: [], streams: [], tokenExpireAt: 0 };

export const defaultScript: Script = (f, peer) => {
  if (f.type === 'ping') return peer.send({ v: 1, type: 'pong', t: f.t });
  if (f.type === 'join') return peer.reply(f, joinOk);
  if (f.type === 'publish') return peer.reply(f, { url: 'rtmp://127.0.0.1/live/me' });
  if (f.type === 'subscribe') return peer.reply(f, { url: `rtmp://127.0.0.1/live/${String(f.userId)}` });
  if (f.type === 'report') return peer.reply(f, { accepted: (f.items as unknown[]).length });
  peer.reply(f, {});
};

export interface FakeServer {
  url: string;
  peers: FakePeer[];
  /** Resolves with the next connecting peer. */
  nextPeer(): Promise<FakePeer>;
  /** Resolves with the next request frame of a given type, from any peer. */
  nextFrame(type: string): Promise<{ frame: Frame; peer: FakePeer }>;
  setScript(script: Script): void;
  close(): Promise<void>;
}

export async function startFakeSignaling(script: Script = defaultScript): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  let current = script;
  const peers: FakePeer[] = [];
  const peerWaiters: ((p: FakePeer) => void)[] = [];
  const frameWaiters: { type: string; resolve: (x: { frame: Frame; peer: FakePeer }) => void }[] = [];

  wss.on('connection', (socket) => {
    const peer: FakePeer = {
      socket,
      frames: [],
      send: (frame) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(frame)),
      sendRaw: (text) => socket.readyState === socket.OPEN && socket.send(text),
      reply: (req, data) => peer.send({ v: 1, type: 'response', id: req.id, ok: true, data }),
      refuse: (req, code, reason) => peer.send({ v: 1, type: 'response', id: req.id, ok: false, error: { code, reason } }),
      event: (event, data) => peer.send({ v: 1, type: 'event', event, data }),
    };
    peers.push(peer);
    peerWaiters.shift()?.(peer);
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Frame;
      peer.frames.push(frame);
      const i = frameWaiters.findIndex((w) => w.type === frame.type);
      if (i >= 0) frameWaiters.splice(i, 1)[0]!.resolve({ frame, peer });
      current(frame, peer);
    });
  });

  return {
    url: `ws://127.0.0.1:${port}`,
    peers,
    nextPeer: () => new Promise((resolve) => peerWaiters.push(resolve)),
    nextFrame: (type) => new Promise((resolve) => frameWaiters.push({ type, resolve })),
    setScript: (s) => {
      current = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
