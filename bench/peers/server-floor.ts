// The floor: a bare `ws` server that does the least any signaling server must. A request is
// answered at once (echo); a room event is serialized once and sent to every other socket in
// the room; a ping gets a pong. No tokens, no member lists, no sessions.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveControl } from './server-common.js';

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 * 1024 });
await new Promise((r) => wss.once('listening', r));

wss.on('connection', (ws) => {
  let room: Set<WebSocket> | undefined;
  const out = () => {
    room?.delete(ws);
    room = undefined;
  };
  ws.on('message', (raw) => {
    let f: any;
    try {
      f = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (f.type === 'ping') return ws.send(JSON.stringify({ v: 1, type: 'pong', t: f.t }));
    if (f.type === 'join' && typeof f.roomId === 'string') {
      out();
      room = rooms.get(f.roomId) ?? new Set();
      rooms.set(f.roomId, room);
      room.add(ws);
    } else if (f.type === 'leave') out();
    else if (f.type === 'muteLocal' && room) {
      const frame = JSON.stringify({ v: 1, type: 'event', event: f.audio ? 'mute-audio' : 'unmute-audio', data: { uid: 'x', screen: false } });
      for (const other of room) if (other !== ws) other.send(frame);
    }
    ws.send(JSON.stringify({ v: 1, type: 'response', id: f.id, ok: true, data: {} }));
  });
  ws.on('close', out);
  ws.on('error', () => undefined);
});

serveControl(
  `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
  () =>
    new Promise((r) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => r());
    }),
);
