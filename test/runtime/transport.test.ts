// Both transports against a real loopback ws server: the same behaviour behind one interface.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { webSocketTransport, type WebSocketConstructor } from '../../src/runtime/transport/websocket.js';
import { wxTransport } from '../../src/runtime/transport/wx.js';
import type { TransportFactory } from '../../src/runtime/transport/types.js';
import { createTestWx } from '../support/wx.js';

let wss: WebSocketServer;
let url: string;

beforeEach(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on('connection', (s) => {
    s.on('message', (raw, isBinary) => {
      const text = String(raw);
      if (text === 'binary please') s.send(Buffer.from([1, 2, 3]));
      else if (text === 'close please') s.close(4001, 'asked to');
      else if (!isBinary) s.send(`echo:${text}`);
    });
  });
});

afterEach(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
});

interface Log {
  events: string[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  message: () => Promise<string | undefined>;
}

function record(factory: TransportFactory, target: string) {
  const events: string[] = [];
  let onOpen!: () => void;
  let onClose!: (c: { code: number; reason: string }) => void;
  const messages: (string | undefined)[] = [];
  const waiters: ((m: string | undefined) => void)[] = [];
  const log: Log = {
    events,
    opened: new Promise((r) => (onOpen = r)),
    closed: new Promise((r) => (onClose = r)),
    message: () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => waiters.push(r))),
  };
  const transport = factory(target, {
    onOpen: () => {
      events.push('open');
      onOpen();
    },
    onMessage: (data) => {
      events.push(`message:${String(data)}`);
      const w = waiters.shift();
      if (w) w(data);
      else messages.push(data);
    },
    onError: () => events.push('error'),
    onClose: (code, reason) => {
      events.push(`close:${code}`);
      onClose({ code, reason });
    },
  });
  return { transport, log };
}

/**
 * The `ws` package's socket with only the standard interface showing, as a browser's or Node
 * 22's WebSocket has it: no EventEmitter `on`, so the transport listens through `onmessage`.
 */
class StandardOnly {
  constructor(url: string) {
    const ws = new WebSocket(url);
    return new Proxy(ws, {
      get: (t, k) => {
        if (k === 'on') return undefined;
        const v: unknown = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
      set: (t, k, v) => Reflect.set(t, k, v, t),
    });
  }
}

const kinds: [string, () => TransportFactory][] = [
  ['ws package WebSocket', () => webSocketTransport(WebSocket as unknown as WebSocketConstructor)],
  ['standard WebSocket', () => webSocketTransport(StandardOnly as unknown as WebSocketConstructor)],
  ['wx.connectSocket', () => wxTransport(createTestWx())],
];

describe.each(kinds)('%s transport', (_name, make) => {
  it('opens, sends and receives text frames', async () => {
    const { transport, log } = record(make(), url);
    expect(transport.send('too early')).toBe(false);
    await log.opened;
    expect(transport.send('hello')).toBe(true);
    expect(await log.message()).toBe('echo:hello');
    transport.close(1000, 'done');
    await log.closed;
  });

  it('reports a binary frame as undefined', async () => {
    const { transport, log } = record(make(), url);
    await log.opened;
    transport.send('binary please');
    expect(await log.message()).toBeUndefined();
    transport.close(1000, 'done');
  });

  it('reports the server closing with its code and reason', async () => {
    const { transport, log } = record(make(), url);
    await log.opened;
    transport.send('close please');
    expect(await log.closed).toEqual({ code: 4001, reason: 'asked to' });
    expect(transport.send('after close')).toBe(false);
  });

  it('closes once, and reports nothing after its own close', async () => {
    const { transport, log } = record(make(), url);
    await log.opened;
    transport.close(1000, 'bye');
    transport.close(1000, 'again');
    await log.closed;
    // Give the socket's own close event the chance to arrive: it must be swallowed.
    await new Promise((r) => setTimeout(r, 50));
    expect(log.events.filter((e) => e.startsWith('close'))).toEqual(['close:1000']);
    expect(transport.send('x')).toBe(false);
  });

  it('reports a failed connection as a close, never throws', async () => {
    const dead = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => dead.once('listening', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const { log } = record(make(), `ws://127.0.0.1:${port}`);
    const closed = await log.closed;
    expect(closed.code).not.toBe(1000);
    expect(log.events).not.toContain('open');
  });

  it('reports a malformed URL as a close, never throws', async () => {
    const { log } = record(make(), 'ws://');
    await log.closed;
    expect(log.events).not.toContain('open');
  });
});

describe('standard WebSocket transport over the ws package', () => {
  it("listens to the socket's own 'message' event, not onmessage (no MessageEvent built per frame)", async () => {
    const made: WebSocket[] = [];
    class Counted extends WebSocket {
      constructor(u: string) {
        super(u);
        made.push(this);
      }
    }
    const { transport, log } = record(webSocketTransport(Counted as unknown as WebSocketConstructor), url);
    await log.opened;
    expect(made).toHaveLength(1);
    expect(made[0]!.onmessage).toBeNull();
    expect(made[0]!.listenerCount('message')).toBe(1);
    transport.send('hello');
    expect(await log.message()).toBe('echo:hello');
    transport.close(1000, 'done');
  });
});

describe('wx transport with a host whose connectSocket misbehaves', () => {
  it('treats a throwing connectSocket as a failed connection', async () => {
    const { log } = record(
      wxTransport({
        connectSocket: () => {
          throw new Error('no network');
        },
      }),
      url,
    );
    await log.closed;
    expect(log.events).toEqual(['error', 'close:1006']);
  });

  it('treats a connectSocket that returns nothing as a failed connection', async () => {
    const { log } = record(wxTransport({ connectSocket: () => undefined }), url);
    await log.closed;
    expect(log.events).toEqual(['error', 'close:1006']);
  });
});
