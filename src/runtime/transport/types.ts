// One small interface over the two sockets the runtime can run on: WeChat's SocketTask and the
// standard WebSocket. The connection layer above sees only this.

/**
 * What a transport reports. Each transport calls `onClose` at most once, and nothing after it.
 *
 * @public
 */
export interface TransportHandlers {
  /** The socket is open: frames can be sent. */
  onOpen(): void;
  /** A text frame. Binary frames are reported as `undefined` so the layer above can refuse them. */
  onMessage(data: string | undefined): void;
  /** The socket is closed (or never opened), with the WebSocket close code and reason. */
  onClose(code: number, reason: string): void;
  /** A socket-level error; a close normally follows. */
  onError(message: string): void;
}

/**
 * An open (or opening) socket as the runtime uses it.
 *
 * @public
 */
export interface Transport {
  /** Sends a text frame; returns false when the socket cannot take it. Never throws. */
  send(data: string): boolean;
  /** Closes the socket. Never throws; calling it twice is harmless. */
  close(code: number, reason: string): void;
}

/**
 * Opens a socket to `url` and reports on it through `handlers`. Pass one as
 * `ClientOptions.transport` to run the SDK over any socket-like channel.
 *
 * @public
 */
export type TransportFactory = (url: string, handlers: TransportHandlers) => Transport;
