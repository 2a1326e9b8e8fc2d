// Wraps handlers so a transport cannot report after its close, or close twice: socket APIs
// differ in what they fire after close() or after an error, the layer above should not care.
import type { TransportHandlers } from './types.js';

export function closeOnce(handlers: TransportHandlers): TransportHandlers & { readonly closed: boolean } {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    onOpen() {
      if (!closed) handlers.onOpen();
    },
    onMessage(data) {
      if (!closed) handlers.onMessage(data);
    },
    onError(message) {
      if (!closed) handlers.onError(message);
    },
    onClose(code, reason) {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    },
  };
}

export function describeError(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; errMsg?: unknown };
    if (typeof o.errMsg === 'string') return o.errMsg;
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}
