// Helpers to drive a runtime (or a Client) and watch what it emits.
import WebSocket from 'ws';
import type { TransportFactory } from '../../src/runtime/transport/types.js';
import { webSocketTransport, type WebSocketConstructor } from '../../src/runtime/transport/websocket.js';

/** The `ws` package's WebSocket as the standard-WebSocket transport (Node 20 has no global one). */
export const wsTransport: TransportFactory = webSocketTransport(WebSocket as unknown as WebSocketConstructor);

/** A 24-character appId, as the runtime requires. */
export const APP_ID = 'a1b2c3d4e5f6a7b8c9d0e1f2';

interface Emitting {
  on(event: string, cb: (payload: any) => void): void;
}

/** Records every payload of the given events, in order, and lets a test wait for the next one. */
export function watch(client: Emitting, events: readonly string[]) {
  const seen: { event: string; payload: any }[] = [];
  const claimed = new Set<number>();
  const waiters: { event: string; match: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  for (const event of events) {
    client.on(event, (payload) => {
      seen.push({ event, payload });
      const i = waiters.findIndex((w) => w.event === event && w.match(payload));
      if (i >= 0) {
        claimed.add(seen.length - 1);
        waiters.splice(i, 1)[0]!.resolve(payload);
      }
    });
  }
  return {
    seen,
    of: (event: string) => seen.filter((s) => s.event === event).map((s) => s.payload),
    /** The next (or an already seen, not yet claimed) payload of `event` matching `match`. */
    next(event: string, match: (p: any) => boolean = () => true): Promise<any> {
      const i = seen.findIndex((s, k) => !claimed.has(k) && s.event === event && match(s.payload));
      if (i >= 0) {
        claimed.add(i);
        return Promise.resolve(seen[i]!.payload);
      }
      return new Promise((resolve) => waiters.push({ event, match, resolve }));
    },
  };
}
