// The standard WebSocket (browsers, Node 22+, or the `ws` package's class injected in Node 20).
import { closeOnce, describeError } from './guard.js';
import type { Transport, TransportFactory } from './types.js';

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

export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

export function webSocketTransport(Ctor: WebSocketConstructor): TransportFactory {
  return (url, handlers): Transport => {
    const h = closeOnce(handlers);
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (e) {
      // A bad URL throws synchronously; report it like any failed connection, but later, so the
      // caller has its Transport before any handler runs.
      Promise.resolve().then(() => {
        h.onError(describeError(e));
        h.onClose(1006, describeError(e));
      });
      return { send: () => false, close: () => h.onClose(1000, 'closed') };
    }
    ws.onopen = () => h.onOpen();
    ws.onmessage = (ev) => h.onMessage(typeof ev.data === 'string' ? ev.data : undefined);
    ws.onerror = (ev) => h.onError(describeError((ev as { error?: unknown })?.error ?? ev));
    ws.onclose = (ev) => h.onClose(ev.code, ev.reason);
    return {
      send(data) {
        if (h.closed || ws.readyState !== OPEN) return false;
        try {
          ws.send(data);
          return true;
        } catch {
          return false;
        }
      },
      close(code, reason) {
        try {
          ws.close(code, reason);
        } catch {
          // Already closing, or a code the host refuses: the close below still settles us.
        }
        // Do not wait for the closing handshake: the caller is done with this socket.
        h.onClose(code, reason);
      },
    };
  };
}
