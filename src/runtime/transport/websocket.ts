// The standard WebSocket (browsers, Node 22+, or the `ws` package's class injected in Node 20).
import { closeOnce, describeError, failLater, transport } from './guard.js';
import type { Transport, TransportFactory } from './types.js';
import { noop } from '../host.js';

/** The part of the standard WebSocket the runtime uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** The `ws` package's WebSocket is also an EventEmitter: 'message' gives the frame's bytes and whether it is binary. */
type NodeWebSocket = WebSocketLike & { on?(event: 'message', listener: (data: unknown, binary: boolean) => void): void };

export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

export function webSocketTransport(Ctor: WebSocketConstructor): TransportFactory {
  return (url, handlers): Transport => {
    const h = closeOnce(handlers);
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (e) {
      // A bad URL throws synchronously: reported like any failed connection.
      failLater(h, describeError(e));
      return transport(h, () => false, noop, noop);
    }
    ws.onopen = () => h.onOpen();
    // The `ws` package's socket (Node) also emits its frames' bytes as 'message': listened to so,
    // no MessageEvent is built per frame (~1 us each; bench/README.md).
    const node = ws as NodeWebSocket;
    if (typeof node.on === 'function') node.on('message', (data, binary) => h.onMessage(binary ? undefined : String(data)));
    else ws.onmessage = (ev) => h.onMessage(typeof ev.data === 'string' ? ev.data : undefined);
    // An ErrorEvent (ws, undici) carries its message; a plain Event says only what it is.
    ws.onerror = (ev) => h.onError(describeError(ev));
    ws.onclose = (ev) => h.onClose(ev.code, ev.reason);
    return transport(
      h,
      () => ws.readyState === OPEN,
      (data) => ws.send(data),
      (code, reason) => ws.close(code, reason),
    );
  };
}
