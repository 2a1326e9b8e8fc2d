// The socket caps, counted per TCP connection: first as a connection not yet upgraded (per socket
// address), then as an upgraded socket (per client address). The counts are released by one
// 'close' listener shared by every connection, with the keys kept on the socket itself: no
// closure or once-wrapper per connection and cap (a server holds tens of thousands of sockets).
import type { Socket } from 'node:net';
import { SocketCounter } from './rate-limit.js';

const PENDING = Symbol('counted before the upgrade');
const OPEN = Symbol('counted after the upgrade');
type Counted = Socket & { [PENDING]?: string | undefined; [OPEN]?: string | undefined };

export class Admission {
  private readonly onClose: (this: Counted) => void;

  constructor(
    /** Connections not yet upgraded. */
    readonly pending: SocketCounter,
    /** Upgraded sockets. */
    readonly open: SocketCounter,
  ) {
    // A function, not an arrow: the socket that closed is its `this`.
    this.onClose = function (this: Counted) {
      release(this, PENDING, pending);
      release(this, OPEN, open);
    };
  }

  /** A new TCP connection, counted as not upgraded under `key`; false (not counted) past the caps. */
  accept(socket: Socket, key: string): boolean {
    if (this.pending.refusal(key) !== null) return false;
    this.pending.open(key);
    (socket as Counted)[PENDING] = key;
    socket.on('close', this.onClose);
    return true;
  }

  /** The connection's upgrade request came: it no longer counts as not upgraded. */
  upgraded(socket: Socket): void {
    release(socket, PENDING, this.pending);
  }

  /** The connection (one accept()ed) is upgraded to a socket, counted under `key` until it closes. */
  opened(socket: Socket, key: string): void {
    this.open.open(key);
    (socket as Counted)[OPEN] = key;
  }
}

/** Uncounts the socket from `counter` if it is counted there (once). */
function release(socket: Counted, which: typeof PENDING | typeof OPEN, counter: SocketCounter): void {
  const key = socket[which];
  if (key === undefined) return;
  socket[which] = undefined;
  counter.closed(key);
}
