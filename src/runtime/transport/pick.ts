// Chooses the transport: an injected factory, or wx.connectSocket inside a mini-program, or the
// standard WebSocket elsewhere. Resolved at join time, so a test can install `wx` late.
import type { TransportFactory } from './types.js';
import { webSocketTransport, type WebSocketConstructor } from './websocket.js';
import { wxTransport, type WxLike } from './wx.js';

// Free identifiers, not globalThis properties: in a mini-program `wx` is reached through the
// scope chain of the module wrapper, and globalThis may be missing on old base libraries. A
// property of the global object is a free identifier too, so nothing else needs looking up.
declare const wx: unknown;
declare const WebSocket: unknown;

export type TransportChoice = 'wx' | 'websocket' | TransportFactory | undefined;

/** The factory, or a reason it could not be found. */
export function pickTransport(choice: TransportChoice): TransportFactory | string {
  if (typeof choice === 'function') return choice;
  const w = (typeof wx !== 'undefined' ? wx : undefined) as Partial<WxLike> | undefined;
  const hasWx = !!w && typeof w.connectSocket === 'function';
  const WS = typeof WebSocket !== 'undefined' ? WebSocket : undefined;
  const hasWs = typeof WS === 'function';
  if (choice === 'wx' || (choice === undefined && hasWx)) {
    return hasWx ? wxTransport(w as WxLike) : 'transport "wx": no wx.connectSocket';
  }
  return hasWs ? webSocketTransport(WS as WebSocketConstructor) : 'no wx.connectSocket or WebSocket; set ClientOptions.transport';
}
