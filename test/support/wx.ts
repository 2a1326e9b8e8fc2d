// A `wx` object whose connectSocket is backed by a real `ws` socket, with the SocketTask API of
// WeChat's base library (callback registration, send({data}), close({code, reason})). It lets
// the runtime's wx transport run against real servers in Node.
import WebSocket from 'ws';

export interface TestSocketTask {
  onOpen(cb: (res: object) => void): void;
  onMessage(cb: (res: { data: string | ArrayBuffer }) => void): void;
  onClose(cb: (res: { code: number; reason: string }) => void): void;
  onError(cb: (res: { errMsg: string }) => void): void;
  send(opts: { data: string | ArrayBuffer; success?: () => void; fail?: (res: { errMsg: string }) => void }): void;
  close(opts: { code?: number; reason?: string; success?: () => void; fail?: (res: { errMsg: string }) => void }): void;
}

export interface TestWx {
  connectSocket(opts: { url: string; success?: () => void; fail?: (res: { errMsg: string }) => void }): TestSocketTask;
  /** Every task made, to let tests drop sockets from the "network" side. */
  tasks: { url: string; socket: WebSocket }[];
}

export function createTestWx(): TestWx {
  const tasks: TestWx['tasks'] = [];
  return {
    tasks,
    connectSocket({ url, success, fail }) {
      const socket = new WebSocket(url);
      tasks.push({ url, socket });
      const open: ((res: object) => void)[] = [];
      const message: ((res: { data: string | ArrayBuffer }) => void)[] = [];
      const close: ((res: { code: number; reason: string }) => void)[] = [];
      const error: ((res: { errMsg: string }) => void)[] = [];
      // WeChat calls success when the request to open was accepted, not when the socket opened.
      queueMicrotask(() => success?.());
      socket.on('open', () => open.forEach((cb) => cb({ header: {} })));
      socket.on('message', (data, isBinary) => {
        const payload = isBinary ? new Uint8Array(data as Buffer).buffer : String(data);
        message.forEach((cb) => cb({ data: payload }));
      });
      socket.on('close', (code, reason) => close.forEach((cb) => cb({ code, reason: String(reason) })));
      socket.on('error', (e) => {
        error.forEach((cb) => cb({ errMsg: `connectSocket:fail ${e.message}` }));
        if (socket.readyState === WebSocket.CONNECTING) fail?.({ errMsg: `connectSocket:fail ${e.message}` });
      });
      return {
        onOpen: (cb) => void open.push(cb),
        onMessage: (cb) => void message.push(cb),
        onClose: (cb) => void close.push(cb),
        onError: (cb) => void error.push(cb),
        send({ data, success: ok, fail: bad }) {
          if (socket.readyState !== WebSocket.OPEN) return bad?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
          socket.send(data, (err) => (err ? bad?.({ errMsg: `sendSocketMessage:fail ${err.message}` }) : ok?.()));
        },
        close({ code = 1000, reason = '', success: ok, fail: bad }) {
          if (code !== 1000 && (code < 3000 || code > 4999)) return bad?.({ errMsg: 'closeSocket:fail invalid code' });
          socket.close(code, reason);
          ok?.();
        },
      };
    },
  };
}
