// The SDK as a mini-program loads it: bundled to one CommonJS file (as the build does), run in a
// fresh JavaScript context that has `wx`, timers and console and nothing of Node (no require,
// process, Buffer, global WebSocket), then driven by vendor-style code against the real server.
import { build } from 'esbuild';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { createTestWx } from '../support/wx.js';

let server: RunningServer;
let bundle: string;

beforeAll(async () => {
  server = await startRealServer();
  const out = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'neutral',
    target: 'es2017',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
});

afterAll(async () => {
  await server.close();
});

/** Loads the bundle the way a mini-program's module wrapper does: module, exports, and wx. */
function loadInMiniProgramLikeContext() {
  const wx = createTestWx();
  const logged: unknown[][] = [];
  const context = vm.createContext({
    wx,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    console: { log: () => undefined, warn: () => undefined, error: (...a: unknown[]) => logged.push(a) },
  });
  const module = { exports: {} as Record<string, any> };
  const wrapper = vm.runInContext(`(function (module, exports) {\n${bundle}\n})`, context) as (m: unknown, e: unknown) => void;
  wrapper(module, module.exports);
  return { sdk: module.exports, wx, logged, context };
}

describe('the bundled SDK in a mini-program-like context', () => {
  it('has no Node globals to lean on, and still joins, publishes and hears events', async () => {
    const { sdk, wx, context } = loadInMiniProgramLikeContext();
    expect(vm.runInContext('typeof require + typeof process + typeof Buffer + typeof WebSocket', context)).toBe('undefinedundefinedundefinedundefined');
    const { Client, EVENTS, ERROR_CODES } = sdk;
    expect(typeof Client).toBe('function');

    const r = 'sandbox-room';
    const alice = new Client({ server: server.url });
    const bob = new Client({ server: server.url });
    const added = new Promise((resolve) => bob.on(EVENTS.STREAM_ADDED, resolve));

    // Vendor style: callbacks.
    await new Promise<void>((resolve, reject) => alice.init(E2E_APP_ID, resolve, reject));
    const uid = await new Promise((resolve, reject) => alice.join(mintToken(r, 'alice'), r, 'alice', resolve, reject));
    expect(uid).toBe('alice');
    // Promise style.
    await bob.init(E2E_APP_ID);
    await bob.join(mintToken(r, 'bob'), r, 'bob');
    const url = await alice.publish();
    expect(url).toMatch(/^rtmp:\/\//);
    expect(await added).toMatchObject({ uid: 'alice', screen: false });
    expect(await bob.subscribe('alice', {})).toMatch(/^rtmp:\/\//);
    await expect(bob.publish().then(() => bob.publish())).rejects.toMatchObject({ code: ERROR_CODES.ALREADY_PUBLISHED });
    expect(wx.tasks).toHaveLength(2);
    await alice.destroy();
    await bob.destroy();
  });

  it('reports a failure with no onFailure and no ERROR listener on console.error, never throws', async () => {
    const { sdk, logged } = loadInMiniProgramLikeContext();
    const c = new sdk.Client({ server: server.url });
    expect(() => c.publish(() => undefined)).not.toThrow();
    // The failure travels through Promise jobs only: they have all run by the next macrotask.
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(logged)).toContain(String(sdk.ERROR_CODES.NOT_INITED));
  });
});
