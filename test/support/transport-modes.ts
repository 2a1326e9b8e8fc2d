// The two transports every end-to-end suite runs over: the standard WebSocket (the `ws` class
// injected, as Node 20 has no global one) and WeChat's wx.connectSocket (a `wx` global backed by
// real sockets, picked automatically by the runtime).
import { wsTransport } from './runtime-harness.js';
import { createTestWx, type TestWx } from './wx.js';

export interface TransportMode {
  name: string;
  install(): void;
  uninstall(): void;
  /** The ClientOptions that select this transport. */
  options(): Record<string, unknown>;
  /** The `wx` global while the wx mode is installed, for tests that inspect its sockets. */
  wx(): TestWx | undefined;
}

let installed: TestWx | undefined;

export const TRANSPORT_MODES: TransportMode[] = [
  {
    name: 'standard WebSocket (ws injected)',
    install: () => undefined,
    uninstall: () => undefined,
    options: () => ({ transport: wsTransport }),
    wx: () => undefined,
  },
  {
    name: 'wx.connectSocket (auto-detected)',
    install: () => {
      installed = createTestWx();
      (globalThis as { wx?: unknown }).wx = installed;
    },
    uninstall: () => {
      delete (globalThis as { wx?: unknown }).wx;
      installed = undefined;
    },
    options: () => ({}),
    wx: () => installed,
  },
];
