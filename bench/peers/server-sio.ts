// socket.io 4.8 doing our server's work: join acknowledged with the member list (and our token
// check when the join carries a token, so the comparison can be made with and without it), the
// others told of the newcomer, leave, a room event relayed to all others, and the same 5 s
// heartbeat (socket.io's server-driven ping). WebSocket transport only, as our clients use.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { verifyToken } from '../../server/src/index.js';
import { APP_ID, APP_KEY, HEARTBEAT_MS, serveControl } from './server-common.js';

interface Member {
  visible: boolean;
}
const rooms = new Map<string, Map<string, Member>>();

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, pingInterval: HEARTBEAT_MS, pingTimeout: 15_000 });
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));

type Ack = (answer: unknown) => void;

io.on('connection', (socket: Socket) => {
  let joined: { roomId: string; userId: string; visible: boolean } | null = null;

  const leave = (reason: string): void => {
    if (!joined) return;
    const { roomId, userId, visible } = joined;
    const members = rooms.get(roomId);
    members?.delete(userId);
    if (members?.size === 0) rooms.delete(roomId);
    if (visible) socket.to(roomId).emit('peer-leave', { uid: userId, reason });
    void socket.leave(roomId);
    joined = null;
  };

  socket.on('join', (req: any, ack: Ack) => {
    if (typeof ack !== 'function' || !req || typeof req.roomId !== 'string' || typeof req.userId !== 'string') return;
    if (joined) return ack({ ok: false, error: { code: 1, reason: 'already in a room' } });
    if (req.token !== undefined) {
      const v = verifyToken(req.token, { appKey: APP_KEY, appId: APP_ID, roomId: req.roomId, userId: req.userId });
      if (!v.ok) return ack({ ok: false, error: { code: v.code, reason: v.reason } });
    }
    const visible = req.visible !== false;
    let members = rooms.get(req.roomId);
    if (!members) rooms.set(req.roomId, (members = new Map()));
    const peers: string[] = [];
    for (const [uid, m] of members) if (m.visible && peers.length < 20) peers.push(uid);
    members.set(req.userId, { visible });
    joined = { roomId: req.roomId, userId: req.userId, visible };
    void socket.join(req.roomId);
    if (visible) socket.to(req.roomId).emit('peer-online', { uid: req.userId });
    ack({ ok: true, data: { peers, streams: [] } });
  });

  socket.on('leave', (ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (!joined) return ack({ ok: false, error: { code: 2, reason: 'not in a room' } });
    leave('leave');
    ack({ ok: true, data: {} });
  });

  socket.on('muteLocal', (req: any, ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (!joined) return ack({ ok: false, error: { code: 2, reason: 'not in a room' } });
    socket.to(joined.roomId).emit(req?.audio ? 'mute-audio' : 'unmute-audio', { uid: joined.userId, screen: false });
    ack({ ok: true, data: {} });
  });

  socket.on('disconnect', () => leave('timeout'));
});

serveControl(
  `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
  () =>
    new Promise((r) => {
      io.close(() => r());
    }),
);
