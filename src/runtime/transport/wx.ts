// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- by file on purpose (below)
/// <reference path="../../../node_modules/miniprogram-api-typings/types/wx/lib.wx.api.d.ts" />
// WeChat's socket: wx.connectSocket returns a SocketTask with callback-style methods. Typed with
// WeChat's own declarations (miniprogram-api-typings), referenced here by file so that only its
// API namespace comes in, not its globals (require, module, console) into the whole runtime.
import { closeOnce, describeError, failLater, transport } from './guard.js';
import type { Transport, TransportFactory } from './types.js';
import { noop } from '../host.js';

/**
 * The part of WeChat's SocketTask the runtime uses, in WeChat's own option and result types
 * (the open result is not read, so any listener argument is accepted there).
 */
export interface WxSocketTask {
  onOpen(listener: () => void): void;
  onMessage(listener: WechatMiniprogram.SocketTaskOnMessageCallback): void;
  onClose(listener: WechatMiniprogram.SocketTaskOnCloseCallback): void;
  onError(listener: WechatMiniprogram.UDPSocketOnErrorCallback): void;
  send(option: WechatMiniprogram.SocketTaskSendOption): void;
  close(option: WechatMiniprogram.SocketTaskCloseOption): void;
}

/**
 * The part of the `wx` global the runtime uses. Before base library 1.7.0 connectSocket
 * returned no SocketTask, hence `| undefined`.
 */
export interface WxLike {
  connectSocket(option: WechatMiniprogram.ConnectSocketOption): WxSocketTask | undefined;
}

// Compile-time proof that WeChat's real `wx` fits WxLike (fails to compile if the typings drift).
type Expect<T extends true> = T;
type _RealWxFits = Expect<WechatMiniprogram.Wx extends WxLike ? true : false>;

export function wxTransport(wx: WxLike): TransportFactory {
  return (url, handlers): Transport => {
    const h = closeOnce(handlers);
    let task: WxSocketTask | undefined;
    let open = false;
    try {
      task = wx.connectSocket({ url, fail: (res) => failLater(h, describeError(res)) });
    } catch (e) {
      failLater(h, describeError(e));
    }
    if (!task) {
      if (!h.closed_) failLater(h, 'wx.connectSocket returned no SocketTask');
      return transport(h, () => false, noop, noop);
    }
    const t = task;
    t.onOpen(() => {
      open = true;
      h.onOpen();
    });
    t.onMessage((res) => h.onMessage(res && typeof res.data === 'string' ? res.data : undefined));
    t.onError((res) => h.onError(describeError(res)));
    t.onClose((res) => h.onClose(res && typeof res.code === 'number' ? res.code : 1006, String((res && res.reason) || '')));
    return transport(
      h,
      () => open,
      // A failed send means the socket is going away; its onClose reports that.
      (data) => t.send({ data, fail: (res) => h.onError(describeError(res)) }),
      // WeChat accepts only 1000 and 3000-4999.
      (code, reason) => t.close({ code: code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason, fail: noop }),
    );
  };
}
