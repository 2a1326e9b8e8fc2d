// WeChat's socket: wx.connectSocket returns a SocketTask with callback-style methods.
import { closeOnce, describeError } from './guard.js';
import type { Transport, TransportFactory } from './types.js';

/** The part of WeChat's SocketTask the runtime uses. */
export interface WxSocketTask {
  onOpen(cb: (res: unknown) => void): void;
  onMessage(cb: (res: { data: unknown }) => void): void;
  onClose(cb: (res: { code: number; reason: string }) => void): void;
  onError(cb: (res: { errMsg?: string }) => void): void;
  send(opts: { data: string; success?: () => void; fail?: (res: { errMsg?: string }) => void }): void;
  close(opts: { code?: number; reason?: string; success?: () => void; fail?: (res: unknown) => void }): void;
}

/** The part of the `wx` global the runtime uses. */
export interface WxLike {
  connectSocket(opts: {
    url: string;
    success?: () => void;
    fail?: (res: { errMsg?: string }) => void;
  }): WxSocketTask | undefined;
}

export function wxTransport(wx: WxLike): TransportFactory {
  return (url, handlers): Transport => {
    const h = closeOnce(handlers);
    const failLater = (message: string): void => {
      Promise.resolve().then(() => {
        h.onError(message);
        h.onClose(1006, message);
      });
    };
    let task: WxSocketTask | undefined;
    let open = false;
    try {
      task = wx.connectSocket({ url, fail: (res) => failLater(describeError(res)) });
    } catch (e) {
      failLater(describeError(e));
    }
    if (!task) {
      if (!h.closed) failLater('wx.connectSocket returned no SocketTask');
      return { send: () => false, close: (code, reason) => h.onClose(code, reason) };
    }
    const t = task;
    t.onOpen(() => {
      open = true;
      h.onOpen();
    });
    t.onMessage((res) => h.onMessage(typeof res?.data === 'string' ? res.data : undefined));
    t.onError((res) => h.onError(describeError(res)));
    t.onClose((res) => h.onClose(typeof res?.code === 'number' ? res.code : 1006, String(res?.reason ?? '')));
    return {
      send(data) {
        if (h.closed || !open) return false;
        try {
          // A failed send means the socket is going away; its onClose reports that.
          t.send({ data, fail: (res) => h.onError(describeError(res)) });
          return true;
        } catch {
          return false;
        }
      },
      close(code, reason) {
        try {
          // WeChat accepts only 1000 and 3000-4999.
          t.close({ code: code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason, fail: () => undefined });
        } catch {
          // Already closed.
        }
        h.onClose(code, reason);
      },
    };
  };
}
