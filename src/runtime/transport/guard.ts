// Wraps handlers so a transport cannot report after its close, or close twice: socket APIs
// differ in what they fire after close() or after an error, the layer above should not care.
import type { Transport, TransportHandlers } from './types.js';

export { describeError } from '../errors.js';

export function closeOnce(handlers: TransportHandlers): TransportHandlers & { closed_: boolean } {
  const h = {
    closed_: false,
    onOpen: () => h.closed_ || handlers.onOpen(),
    onMessage: (data: string | undefined) => h.closed_ || handlers.onMessage(data),
    onError: (message: string) => h.closed_ || handlers.onError(message),
    onClose(code: number, reason: string) {
      if (h.closed_) return;
      h.closed_ = true;
      handlers.onClose(code, reason);
    },
  };
  return h;
}

export type GuardedHandlers = ReturnType<typeof closeOnce>;

/** A socket that failed before it could be used: reported later, so the caller has its Transport first. */
export function failLater(h: GuardedHandlers, message: string): void {
  Promise.resolve().then(() => {
    h.onError(message);
    h.onClose(1006, message);
  });
}

/**
 * The Transport over a socket's own send and close, which may throw: send answers false instead,
 * and close reports the close at once (the caller is done with the socket; its closing handshake
 * is not waited for, and what the socket reports after it is dropped by closeOnce).
 */
export function transport(h: GuardedHandlers, canSend: () => boolean, send: (data: string) => void, close: (code: number, reason: string) => void): Transport {
  return {
    send(data) {
      if (h.closed_ || !canSend()) return false;
      try {
        send(data);
        return true;
      } catch {
        return false;
      }
    },
    close(code, reason) {
      try {
        close(code, reason);
      } catch {
        // Already closing, or a code the host refuses: the close below still settles us.
      }
      h.onClose(code, reason);
    },
  };
}
