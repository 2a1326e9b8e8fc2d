// configure(): ClientOptions defaults for every client of the app, read at init, under the
// constructor's options key by key; bad options never throw, they fail init with INVALID_PARAMS.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configure } from '../../src/index.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { defaultScript, startFakeSignaling, type FakeServer } from '../support/fake-signaling.js';
import { APP_ID, wsTransport } from '../support/runtime-harness.js';

let server: FakeServer | undefined;
const clients: ClientRuntime[] = [];
afterEach(async () => {
  configure({});
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );
const make = (options?: Parameters<typeof createRuntime>[0]) => {
  const rt = createRuntime(options);
  clients.push(rt);
  return rt;
};

describe('configure', () => {
  it('lets new Client() with no options join the configured server', async () => {
    server = await startFakeSignaling(defaultScript);
    configure({ server: server.url, transport: wsTransport });
    const rt = make();
    await rt.init(APP_ID);
    expect(await rt.join('t', 'r', 'me')).toBe('me');
    expect(server.peers).toHaveLength(1);
  });

  it('is read at init: a client constructed before configure ran still gets it', async () => {
    server = await startFakeSignaling(defaultScript);
    const rt = make();
    configure({ server: server.url, transport: wsTransport });
    await rt.init(APP_ID);
    expect(await rt.join('t', 'r', 'me')).toBe('me');
  });

  it('constructor options win key by key; a key given as undefined counts as absent', async () => {
    server = await startFakeSignaling(defaultScript);
    configure({ server: 'ws://127.0.0.1:1/', transport: wsTransport, requestTimeoutMs: 2000 });
    const rt = make({ server: server.url, transport: undefined });
    await rt.init(APP_ID);
    expect(await rt.join('t', 'r', 'me')).toBe('me'); // server from the constructor, transport from configure
    const other = make({ transport: wsTransport });
    await other.init(APP_ID);
    expect(await codeOf(other.join('t', 'r', 'you'))).toBe(ERROR_CODES.CONNECTION_FAILED); // the configured server
  });

  it('without configure or options, join still fails with NO_WEBSOCLET_URL', async () => {
    const rt = make();
    await rt.init(APP_ID);
    expect(await codeOf(rt.join('t', 'r', 'me'))).toBe(ERROR_CODES.NO_WEBSOCLET_URL);
  });

  it('bad options are logged at once and fail init with INVALID_PARAMS; calling again replaces them', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => configure({ server: 'http://not-a-socket' })).not.toThrow();
    expect(String(logged.mock.calls[0]?.join(' '))).toMatch(/configure: ClientOptions\.server/);
    const rt = make();
    const err = await rt.init(APP_ID).catch((e: { code: number; reason: string }) => e);
    expect(err).toMatchObject({ code: ERROR_CODES.INVALID_PARAMS, reason: expect.stringMatching(/server/) });
    expect(() => configure('nonsense' as never)).not.toThrow();
    expect(await codeOf(make().init(APP_ID))).toBe(ERROR_CODES.INVALID_PARAMS);
    configure({ reportFlushMs: 10 });
    expect(await codeOf(make().init(APP_ID))).toBe('resolved');
  });

  it('keeps a copy: changing the object afterwards changes nothing', async () => {
    const options: Record<string, unknown> = { reportFlushMs: 10 };
    configure(options);
    options.unknownKey = true;
    expect(await codeOf(make().init(APP_ID))).toBe('resolved');
  });
});
