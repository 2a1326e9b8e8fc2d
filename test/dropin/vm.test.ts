// The drop-in as a mini-program loads it: the built dist file (scripts/build.ts, bundles only),
// evaluated in a fresh context whose only globals are `wx`, timers and console, driven through
// init, join, publish, subscribe and leave against the real server and relay. The same loader
// is shown to fail on a bundle that leans on Node (require, Buffer, process) or on syntax
// newer than the ES2017 target.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { ERROR_CODES as GENERATED_CODES } from '../../src/generated/error-codes.js';
import { EVENTS as GENERATED_EVENTS } from '../../src/generated/events.js';
import { E2E_APP_ID, mintToken } from '../support/real-server.js';
import { buildDropIn, loadCommonJs, removeTempDirs, miniProgramContext, miniProgramWx, nodeOnlyNames, startDropInServer, type Logged } from './support.js';

let server: RunningServer;
let bundle: string;

beforeAll(async () => {
  bundle = readFileSync(join(buildDropIn(), 'VolcEngineRTC_MiniApp.js'), 'utf8');
  server = await startDropInServer();
});

afterAll(async () => {
  await server?.close();
  removeTempDirs();
});

function load(source = bundle) {
  const { wx, sockets } = miniProgramWx();
  const logged: Logged = { error: [] };
  const context = miniProgramContext({ wx }, logged);
  const sdk = loadCommonJs(context, source, 'VolcEngineRTC_MiniApp.js');
  return { sdk, sockets, context, logged };
}

/** Resolves with the next payload of `event`. */
function next(client: any, event: string): Promise<any> {
  return new Promise((resolve) => {
    const once = (p: unknown) => {
      client.off(event, once);
      resolve(p);
    };
    client.on(event, once);
  });
}

describe('dist/VolcEngineRTC_MiniApp.js in a mini-program-shaped context', () => {
  it('is minified ES2017 that names nothing of Node', () => {
    expect(nodeOnlyNames(bundle)).toEqual([]);
    // Minified: no indentation left, one statement after another.
    expect(bundle.split('\n').length).toBeLessThan(10);
    // The runtime's private members (named with a trailing '_') are renamed like local names.
    expect(bundle.match(/\.[A-Za-z]\w*_\b/g) ?? []).toEqual([]);
    // ...but never inside a string: `'oneOf_' in rule` would look for a key the minifier renamed.
    expect(bundle.match(/["'`][A-Za-z]\w*_["'`]/g) ?? []).toEqual([]);
  });

  it('loads with only wx, timers and console, and exports what vendor code destructures', () => {
    const { sdk, context } = load();
    expect(vm.runInContext('[typeof require, typeof process, typeof Buffer, typeof global, typeof module, typeof WebSocket].join()', context)).toBe(
      'undefined,undefined,undefined,undefined,undefined,undefined',
    );
    const { Client, EVENTS, ERROR_CODES } = sdk;
    expect(typeof Client).toBe('function');
    expect(EVENTS.STREAM_ADDED).toBe('stream-added');
    expect(EVENTS.UPDATE_URL).toBe('update-url');
    expect(typeof ERROR_CODES.ALREADY_PUBLISHED).toBe('number');
    // Built from their names at load time (scripts/dense-constants.ts): the same keys, order and values.
    expect(JSON.stringify(ERROR_CODES)).toBe(JSON.stringify(GENERATED_CODES));
    expect(JSON.stringify(EVENTS)).toBe(JSON.stringify(GENERATED_EVENTS));
  });

  it('inits, joins, publishes, subscribes and leaves against the real server, in both API styles', async () => {
    const { sdk, sockets } = load();
    const { Client, EVENTS } = sdk;
    const room = 'dropin-vm';
    const alice = new Client({ server: server.url });
    const bob = new Client({ server: server.url });

    // Vendor (callback) style for alice.
    await new Promise<void>((resolve, reject) => alice.init(E2E_APP_ID, resolve, reject));
    expect(await new Promise((resolve, reject) => alice.join(mintToken(room, 'alice'), room, 'alice', resolve, reject))).toBe('alice');
    // Promise style for bob.
    await bob.init(E2E_APP_ID);
    const aliceSeesBob = next(alice, EVENTS.PEER_ONLINE);
    expect(await bob.join(mintToken(room, 'bob'), room, 'bob')).toBe('bob');
    expect(await aliceSeesBob).toEqual({ uid: 'bob' });

    const added = next(bob, EVENTS.STREAM_ADDED);
    const pushUrl: string = await new Promise((resolve, reject) => alice.publish(resolve, reject));
    expect(pushUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\//);
    expect(await added).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });

    const playUrl: string = await bob.subscribe('alice', { audio: true, video: true });
    expect(playUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\//);
    expect(playUrl).not.toBe(pushUrl);
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: room });
    expect(view?.streams).toEqual([{ uid: 'alice', screen: false, audio: true, video: true }]);
    expect(view?.subscriptions).toHaveLength(1);

    const left = next(bob, EVENTS.PEER_LEAVE);
    await new Promise<void>((resolve, reject) => alice.leave(resolve, reject));
    expect(await left).toMatchObject({ uid: 'alice', reason: 'leave' });
    await bob.leave();
    // Both went over wx.connectSocket (the context has no other socket).
    expect(sockets.tasks.map((t) => t.url)).toEqual([server.url, server.url]);
    await alice.destroy();
    await bob.destroy();
  });

  it('fails a call with { code, reason } through the callback and never throws', async () => {
    const { sdk } = load();
    const c = new sdk.Client({ server: server.url });
    const err: any = await new Promise((resolve) => expect(() => c.publish(() => resolve('succeeded?'), resolve)).not.toThrow());
    expect(err).toMatchObject({ code: sdk.ERROR_CODES.NOT_INITED, reason: expect.any(String) });
  });
});

describe('the same checks catch a bundle that leans on Node or on newer syntax', () => {
  const strays: [string, string][] = [
    ['require', 'var EventEmitter = require("events");'],
    ['Buffer', 'var bytes = Buffer.from("x");'],
    ['process', 'var env = process.env.NODE_ENV;'],
  ];

  it.each(strays)('a stray %s fails the scan and the load', (name, line) => {
    const tainted = `${line}\n${bundle}`;
    expect(nodeOnlyNames(tainted)).toEqual([name]);
    expect(() => load(tainted)).toThrow(new RegExp(`${name} is not defined`));
  });

  it('a Node-only name inside a function (not run at load) is still caught by the scan', () => {
    expect(nodeOnlyNames(`function later(){ return Buffer.alloc(1) }\n${bundle}`)).toEqual(['Buffer']);
  });

  it('syntax beyond ES2017 fails the parse', () => {
    expect(() => nodeOnlyNames(`var o = {}; var x = o?.a;\n${bundle}`)).toThrow();
    expect(() => nodeOnlyNames(`var o = {}; var x = { ...o };\n${bundle}`)).toThrow();
  });
});
