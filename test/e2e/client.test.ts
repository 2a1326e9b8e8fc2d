// The generated public Client (both API forms) on the runtime, against the real server, over
// both transports: what an app written for the vendor SDK does, unchanged but for the options.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { Client, ERROR_CODES, EVENTS } from '../../src/index.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch } from '../support/runtime-harness.js';
import { TRANSPORT_MODES } from '../support/transport-modes.js';

/** Runs a legacy-form call and reports which callback fired with what. */
function legacy<T = unknown>(start: (ok: (v?: T) => void, fail: (e: { code: number; reason: string }) => void) => unknown) {
  return new Promise<{ ok: true; value: T | undefined; returned: unknown } | { ok: false; code: number; returned: unknown }>((resolve) => {
    // Assigned once start() returns; the callbacks only run later (never within the call).
    let returned: unknown = undefined;
    returned = start(
      (value) => resolve({ ok: true, value, returned }),
      (e) => resolve({ ok: false, code: e.code, returned }),
    );
  });
}

describe.each(TRANSPORT_MODES)('generated Client over $name against the real server', (mode) => {
  let server: RunningServer;
  let room = 0;
  const clients: Client[] = [];

  beforeAll(async () => {
    mode.install();
    server = await startRealServer();
  });
  afterAll(async () => {
    await server.close();
    mode.uninstall();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
    vi.restoreAllMocks();
  });

  const make = (over: Record<string, unknown> = {}) => {
    const c = new Client({ server: server.url, ...mode.options(), ...over });
    clients.push(c);
    return c;
  };

  it('Promise form: join, publish, subscribe, mute, leave, with the events on the other side', async () => {
    const r = `client-${++room}`;
    const alice = make();
    const bob = make();
    const wa = watch(alice, Object.values(EVENTS));
    const wb = watch(bob, Object.values(EVENTS));
    await alice.init(E2E_APP_ID);
    await bob.init(E2E_APP_ID);
    expect(await alice.setBusinessId('demo')).toBe(true);
    expect(await alice.join(mintToken(r, 'alice'), r, 'alice')).toBe('alice');
    expect(await bob.join(mintToken(r, 'bob'), r, 'bob')).toBe('bob');
    expect(await wa.next(EVENTS.PEER_ONLINE)).toEqual({ uid: 'bob' });
    expect(wb.of(EVENTS.PEER_ONLINE)).toEqual([{ uid: 'alice' }]);

    expect(await alice.publish()).toMatch(/^rtmp:/);
    expect(await wb.next(EVENTS.STREAM_ADDED)).toEqual({ uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    // Documented defaults are applied: {} subscribes to audio and video of the main stream.
    expect(await bob.subscribe('alice', {})).toMatch(/^rtmp:/);
    const view = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r });
    expect(view?.subscriptions).toMatchObject([{ subscriberId: 'bob', userId: 'alice', screen: false, audio: true, video: true }]);
    await alice.muteLocal({ audio: true, video: false });
    expect(await wb.next(EVENTS.MUTE_AUDIO)).toEqual({ uid: 'alice', screen: false });
    await bob.muteRemote('alice', { audio: true, video: false });
    await bob.unsubscribe('alice', {});
    await alice.unpublish();
    expect(await wb.next(EVENTS.STREAM_REMOVED)).toEqual({ uid: 'alice', screen: false });
    await bob.setUserVisibility(false);
    expect(await wa.next(EVENTS.PEER_LEAVE)).toEqual({ uid: 'bob', reason: 'invisible' });
    await bob.leave();
    await alice.leave();
    await alice.destroy();
    await expect(alice.init(E2E_APP_ID)).rejects.toMatchObject({ code: ERROR_CODES.CLIENT_DESTROYED });
  });

  it('callback form: onSuccess gets the value, onFailure the error, and the call returns the same outcome as a Promise', async () => {
    const r = `client-${++room}`;
    const c = make();
    // The returned Promise settles as the callbacks did (vendor code chains `.then` after them).
    const same = async (o: { ok: boolean; returned: unknown }) =>
      (o.returned as Promise<unknown>).then(
        (v) => ({ ok: true, v }),
        (e: { code: number }) => ({ ok: false, code: e.code }),
      );
    const init = await legacy((ok, fail) => c.init(E2E_APP_ID, ok, fail));
    expect(init).toMatchObject({ ok: true, value: undefined });
    expect(await same(init)).toEqual({ ok: true, v: undefined });
    const joined = await legacy<string>((ok, fail) => c.join(mintToken(r, 'carol'), r, 'carol', ok, fail));
    expect(joined).toMatchObject({ ok: true, value: 'carol' });
    expect(await same(joined)).toEqual({ ok: true, v: 'carol' });
    const url = await legacy<string>((ok, fail) => c.publish(ok, fail));
    expect(url.ok && url.value).toMatch(/^rtmp:/);
    const twice = await legacy((ok, fail) => c.publish(ok, fail));
    expect(twice).toMatchObject({ ok: false, code: ERROR_CODES.ALREADY_PUBLISHED });
    expect(await same(twice)).toEqual({ ok: false, code: ERROR_CODES.ALREADY_PUBLISHED });
    const refused = await legacy((ok, fail) => c.subscribe('nobody', { screen: false }, ok, fail));
    expect(refused).toMatchObject({ ok: false, code: ERROR_CODES.STREAM_NOT_PUBLISHED });
    const left = await legacy((ok, fail) => c.leave(ok, fail));
    expect(left).toMatchObject({ ok: true });
  });

  it('a callback-form failure without onFailure goes to ERROR', async () => {
    const c = make();
    const w = watch(c, [EVENTS.ERROR]);
    c.publish(() => undefined);
    expect(await w.next(EVENTS.ERROR)).toMatchObject({ code: ERROR_CODES.NOT_INITED });
  });

  it('bad arguments are INVALID_PARAMS in both forms and never reach the server', async () => {
    const r = `client-${++room}`;
    const c = make();
    await c.init(E2E_APP_ID);
    await expect(c.join(42 as never, r, 'dave')).rejects.toMatchObject({ code: ERROR_CODES.INVALID_PARAMS });
    const cb = await legacy((ok, fail) => c.join(mintToken(r, 'dave'), r, undefined as never, ok, fail));
    expect(cb).toMatchObject({ ok: false, code: ERROR_CODES.INVALID_PARAMS });
    expect(await server.rooms.inspect({ appId: E2E_APP_ID, roomId: r })).toBeUndefined();
    await c.join(mintToken(r, 'dave'), r, 'dave');
    await expect(c.subscribe('x', { colour: 'red' } as never)).rejects.toMatchObject({ code: ERROR_CODES.INVALID_PARAMS });
    await expect(c.muteLocal({ audio: true } as never)).rejects.toMatchObject({ code: ERROR_CODES.INVALID_PARAMS });
  });

  it('report* go to the server; bad report arguments go to ERROR', async () => {
    const r = `client-${++room}`;
    const c = make({ reportBatchSize: 1 });
    const w = watch(c, [EVENTS.ERROR]);
    await c.init(E2E_APP_ID);
    await c.join(mintToken(r, 'erin'), r, 'erin');
    c.reportPusherStateChange(1002, 'pushing');
    c.reportPlayerNetStatusChange('frank', { videoBitrate: 500, videoFPS: 15 });
    c.reportPusherStateChange('1002' as never, 'pushing');
    expect(await w.next(EVENTS.ERROR)).toMatchObject({ code: ERROR_CODES.INVALID_PARAMS });
    await c.leave();
    const items = server.reports.query({ appId: E2E_APP_ID, roomId: r, userId: 'erin' }).map((s) => s.item);
    expect(items).toMatchObject([
      { kind: 'pusherState', code: 1002 },
      { kind: 'playerNet', uid: 'frank', info: { videoBitrate: 500 } },
    ]);
  });
});
