// What the server says in {code, reason} reaches the app only as documented: an unknown code
// becomes SERVER_ERROR (the original kept as serverCode) and a reason is cut to 256 characters.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { Connection, type ConnectionListener } from '../../src/runtime/signaling/connection.js';
import { MAX_REASON_LENGTH, parseFrame, serverError } from '../../src/runtime/signaling/frames.js';
import { webSocketTransport, type WebSocketConstructor } from '../../src/runtime/transport/websocket.js';
import { defaultScript, startFakeSignaling, type FakeServer } from '../support/fake-signaling.js';

const DOCUMENTED = new Set<number>(Object.values(ERROR_CODES));

describe('serverError', () => {
  it('keeps a documented code and a short reason as they are', () => {
    expect(serverError({ code: ERROR_CODES.ROOM_FULL, reason: 'full' })).toEqual({ code: ERROR_CODES.ROOM_FULL, reason: 'full' });
  });

  it('turns any other code into SERVER_ERROR, keeping the original as serverCode', () => {
    for (const code of [0, -1, 1.5, 999999, 4005, Number.MAX_SAFE_INTEGER, NaN]) {
      const e = serverError({ code, reason: 'x' });
      expect(e.code).toBe(ERROR_CODES.SERVER_ERROR);
      expect(e.serverCode).toBe(code);
    }
  });

  it('cuts reasons to MAX_REASON_LENGTH (256) characters', () => {
    const e = serverError({ code: ERROR_CODES.PROTOCOL_ERROR, reason: 'y'.repeat(1024 * 1024) });
    expect(MAX_REASON_LENGTH).toBe(256);
    expect(e.reason.length).toBe(256);
    expect(e.reason.endsWith('...')).toBe(true);
  });

  it('any {code, reason} comes out documented and bounded', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(...DOCUMENTED)), fc.string({ maxLength: 2000 }), (code, reason) => {
        const e = serverError({ code, reason });
        expect(DOCUMENTED.has(e.code)).toBe(true);
        expect(e.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH + 64);
      }),
    );
  });
});

describe('parseFrame applies it to responses, error frames and disconnect events', () => {
  it('response, error and event', () => {
    const huge = 'z'.repeat(100_000);
    const r = parseFrame(JSON.stringify({ v: 1, type: 'response', id: 1, ok: false, error: { code: 123, reason: huge } }));
    expect(r).toMatchObject({ frame: { error: { code: ERROR_CODES.SERVER_ERROR, serverCode: 123 } } });
    const e = parseFrame(JSON.stringify({ v: 1, type: 'error', error: { code: ERROR_CODES.RATE_LIMITED, reason: huge } }));
    expect('frame' in e && e.frame.type === 'error' && e.frame.error.reason.length).toBe(256);
    const d = parseFrame(JSON.stringify({ v: 1, type: 'event', event: 'disconnect', data: { code: 77, reason: huge } }));
    expect(d).toMatchObject({ frame: { data: { code: ERROR_CODES.SERVER_ERROR, serverCode: 77 } } });
    expect('frame' in d && d.frame.type === 'event' && (d.frame.data as { reason: string }).reason.length).toBeLessThan(400);
  });

  it('a huge unknown frame type is not copied whole into the complaint', () => {
    const p = parseFrame(JSON.stringify({ v: 1, type: 'q'.repeat(100_000) }));
    expect('bad' in p && p.bad.length).toBeLessThan(200);
  });
});

describe('Connection', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const factory = webSocketTransport(WebSocket as unknown as WebSocketConstructor);
  const timings = { requestTimeoutMs: 10_000, heartbeatIntervalMs: 5_000, heartbeatTimeoutMs: 15_000 };

  it('rejects an undocumented refusal with SERVER_ERROR and serverCode; unsolicited errors likewise', async () => {
    server = await startFakeSignaling((f, peer) => {
      if (f.type !== 'join') return defaultScript(f, peer);
      peer.send({ v: 1, type: 'error', error: { code: 31337, reason: 'r'.repeat(5000) } });
      peer.refuse(f, 424242, 'made up');
    });
    const errors: { code: number; reason: string; serverCode?: number }[] = [];
    const l: ConnectionListener = { inbox_: { receive_: () => undefined }, emitError_: (e) => errors.push(e), connLost_: () => undefined };
    const c = new Connection(server.url, factory, timings, l);
    await c.open_();
    const err = await c.request_({ type: 'join', appId: 'a', token: 't', roomId: 'r', userId: 'u', visible: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ERROR_CODES.SERVER_ERROR, serverCode: 424242, reason: expect.stringContaining('made up') });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: ERROR_CODES.SERVER_ERROR, serverCode: 31337 });
    expect(errors[0]!.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH + 64);
    c.close_('done');
  });
});

describe('requests over the protocol frame limit (64 KiB of UTF-8)', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const factory = webSocketTransport(WebSocket as unknown as WebSocketConstructor);
  const timings = { requestTimeoutMs: 10_000, heartbeatIntervalMs: 5_000, heartbeatTimeoutMs: 15_000 };

  it('are refused with INVALID_PARAMS before sending, counted in UTF-8 bytes; the connection stays usable', async () => {
    server = await startFakeSignaling((f, peer) =>
      f.type === 'report' ? peer.send({ v: 1, type: 'response', id: f.id, ok: true, data: { accepted: 1 } }) : defaultScript(f, peer),
    );
    const c = new Connection(server.url, factory, timings, { inbox_: { receive_: () => undefined }, emitError_: () => undefined, connLost_: () => undefined });
    await c.open_();
    const report = (message: string) => c.request_({ type: 'report', items: [{ kind: 'pusherState', at: 1, code: 1, message }] });
    // 30,000 characters, 90,000 bytes: over, though its length is not.
    await expect(report('€'.repeat(30_000))).rejects.toMatchObject({ code: ERROR_CODES.INVALID_PARAMS, reason: expect.stringMatching(/65536 bytes/) });
    await expect(report('x'.repeat(70_000))).rejects.toMatchObject({ code: ERROR_CODES.INVALID_PARAMS });
    expect(server.peers[0]!.frames.filter((f) => f.type === 'report')).toHaveLength(0);
    // 20,000 characters, 60,000 bytes: under.
    await expect(report('€'.repeat(20_000))).resolves.toEqual({ accepted: 1 });
    // Nesting past the server's default depth (32) is refused the same way; brackets in strings do not count.
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    await expect(c.request_({ type: 'report', items: [{ kind: 'pusherNet', at: 1, info: deep as Record<string, unknown> }] })).rejects.toMatchObject({
      code: ERROR_CODES.INVALID_PARAMS,
      reason: expect.stringMatching(/deeper than 32/),
    });
    await expect(report('[[[[{{{{'.repeat(100))).resolves.toEqual({ accepted: 1 });
    expect(c.isOpen_).toBe(true);
    c.close_('done');
  });
});
