// The client side of each peer, at two levels. `Peer`: the wire protocol, cheap enough to hold
// thousands of sockets (our frames over `ws`, the same frames to the floor, socket.io-client for
// socket.io). `SdkReceiver` / `sdkJoin`: what an app uses (our generated Client, socket.io-client,
// a bare `ws` for the floor), for the rows measured "via SDK".
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { generateToken } from '../../server/src/index.js';
import { Client } from '../../src/index.js';
import type { TransportFactory } from '../../src/runtime/transport/types.js';
import { webSocketTransport, type WebSocketConstructor } from '../../src/runtime/transport/websocket.js';
import { BenchClient } from '../lib/client.js';
import { APP_ID, APP_KEY } from './server-common.js';

export type Kind = 'ours' | 'floor' | 'sio';
export const KINDS: Kind[] = ['ours', 'floor', 'sio'];

const tokens = new Map<string, string>();
/** A never-expiring token with both privileges, minted once per room and user. */
export function tokenFor(roomId: string, userId: string): string {
  const k = `${roomId}/${userId}`;
  let t = tokens.get(k);
  if (!t) {
    t = generateToken({ appId: APP_ID, appKey: APP_KEY, roomId, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
    tokens.set(k, t);
  }
  return t;
}

export interface JoinOptions {
  visible?: boolean;
  /** socket.io only: send a token for the server to verify (ours always verifies, the floor never). */
  token?: boolean;
}

export interface Peer {
  join(roomId: string, userId: string, o?: JoinOptions): Promise<void>;
  leave(): Promise<void>;
  /** Ours needs a published stream before muteLocal announces anything; the others need nothing. */
  publish(): Promise<void>;
  mute(audio: boolean): Promise<void>;
  /** The protocol heartbeat (ours and the floor; socket.io's server pings by itself). */
  ping(): void;
  onEvent: (event: string) => void;
  close(): void;
}

function check(r: any, what: string): void {
  if (!r?.ok) throw new Error(`${what} refused: ${JSON.stringify(r?.error ?? r)}`);
}

class WirePeer implements Peer {
  onEvent: (event: string) => void = () => undefined;
  constructor(private readonly c: BenchClient) {
    c.onEvent = (e) => this.onEvent(e);
  }
  async join(roomId: string, userId: string, o: JoinOptions = {}): Promise<void> {
    const r = await this.c.request('join', { appId: APP_ID, token: tokenFor(roomId, userId), roomId, userId, visible: o.visible ?? true });
    check(r, 'join');
  }
  async leave(): Promise<void> {
    check(await this.c.request('leave'), 'leave');
  }
  async publish(): Promise<void> {
    check(await this.c.request('publish', { screen: false }), 'publish');
  }
  async mute(audio: boolean): Promise<void> {
    check(await this.c.request('muteLocal', { audio, video: false }), 'muteLocal');
  }
  ping(): void {
    this.c.ws.send(JSON.stringify({ v: 1, type: 'ping', t: Date.now() }));
  }
  close(): void {
    this.c.ws.terminate();
  }
}

function sioSocket(url: string): Socket {
  return io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000 });
}

function connected(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
}

class SioPeer implements Peer {
  onEvent: (event: string) => void = () => undefined;
  constructor(private readonly s: Socket) {
    s.onAny((e: string) => this.onEvent(e));
  }
  async join(roomId: string, userId: string, o: JoinOptions = {}): Promise<void> {
    const req = { roomId, userId, visible: o.visible ?? true, ...(o.token ? { token: tokenFor(roomId, userId) } : {}) };
    check(await this.s.emitWithAck('join', req), 'join');
  }
  async leave(): Promise<void> {
    check(await this.s.emitWithAck('leave'), 'leave');
  }
  async publish(): Promise<void> {}
  async mute(audio: boolean): Promise<void> {
    check(await this.s.emitWithAck('muteLocal', { audio, video: false }), 'muteLocal');
  }
  ping(): void {}
  close(): void {
    this.s.disconnect();
  }
}

export async function openPeer(kind: Kind, url: string): Promise<Peer> {
  if (kind === 'sio') {
    const s = sioSocket(url);
    await connected(s);
    return new SioPeer(s);
  }
  return new WirePeer(await BenchClient.open(url));
}

const wsTransport: TransportFactory = webSocketTransport(WebSocket as unknown as WebSocketConstructor);

/** Opens a new socket through the app-level client and joins; resolves once the join is answered. */
export async function sdkJoin(kind: Kind, url: string, roomId: string, userId: string, o: JoinOptions = {}): Promise<() => Promise<void>> {
  if (kind === 'ours') {
    const c = new Client({ server: url, transport: wsTransport });
    await c.init(APP_ID);
    await c.join(tokenFor(roomId, userId), roomId, userId);
    return async () => {
      await c.leave();
      await c.destroy();
    };
  }
  if (kind === 'sio') {
    const s = sioSocket(url);
    await connected(s);
    const req = { roomId, userId, visible: true, ...(o.token ? { token: tokenFor(roomId, userId) } : {}) };
    check(await s.emitWithAck('join', req), 'join');
    return async () => {
      s.disconnect();
    };
  }
  const p = new WirePeer(await BenchClient.open(url));
  await p.join(roomId, userId);
  return async () => p.close();
}

/** A room member through the app-level client, calling `onMute` on each mute/unmute event. */
export async function sdkReceiver(kind: Kind, url: string, roomId: string, userId: string, onMute: () => void): Promise<() => Promise<void>> {
  if (kind === 'ours') {
    const c = new Client({ server: url, transport: wsTransport });
    c.on('mute-audio', onMute);
    c.on('unmute-audio', onMute);
    await c.init(APP_ID);
    await c.join(tokenFor(roomId, userId), roomId, userId);
    return () => c.destroy();
  }
  const p = await openPeer(kind, url);
  p.onEvent = (e) => {
    if (e === 'mute-audio' || e === 'unmute-audio') onMute();
  };
  await p.join(roomId, userId, { token: true });
  return async () => p.close();
}
