import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

// Whatever a client sends, it gets an answer and everyone else keeps being served.

describe('bad frames', () => {
  it('answers each bad frame, on its id when it has one, and keeps serving this socket and others', async () => {
    const { url } = await serve({ maxFrameBytes: 4096 });
    const bad = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    const alice = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    await bob.join('room1', 'bob');

    const unsolicited: [string | Buffer, string][] = [
      ['{not json', 'not valid JSON'],
      ['[1,2,3]', 'not a JSON object'],
      ['null', 'not a JSON object'],
      ['"text"', 'not a JSON object'],
      [JSON.stringify({ v: 1, type: 'publish' }), 'no valid id'],
      [JSON.stringify({ v: 1, id: -1, type: 'publish' }), 'no valid id'],
      [JSON.stringify({ v: 1, id: 'seven', type: 'publish' }), 'no valid id'],
      [Buffer.from([1, 2, 3]), 'binary'],
      ['x'.repeat(10_000), 'exceeds the limit'],
    ];
    for (const [frame, text] of unsolicited) {
      const before = bad.frames.length;
      bad.sendRaw(frame);
      const f = await bad.waitFor((x) => bad.frames.indexOf(x) >= before && x.type === 'error');
      expect(f.error).toMatchObject({ code: CODES.PROTOCOL_ERROR, reason: expect.stringContaining(text) });
    }

    const answered: [Record<string, unknown>, number][] = [
      [{ v: 1, id: 101, type: 'fly' }, CODES.PROTOCOL_ERROR],
      [{ v: 2, id: 102, type: 'leave' }, CODES.PROTOCOL_ERROR],
      [{ id: 103, type: 'leave' }, CODES.PROTOCOL_ERROR],
      [{ v: 1, id: 104 }, CODES.PROTOCOL_ERROR],
      [{ v: 1, id: 105, type: 'publish' }, CODES.NOT_IN_ROOM], // out of order: before join
      [{ v: 1, id: 106, type: 'subscribe', userId: ['x'] }, CODES.INVALID_PARAMS],
      [{ v: 1, id: 107, type: 'muteLocal', audio: 1, video: true }, CODES.INVALID_PARAMS],
      [{ v: 1, id: 108, type: 'join', appId: {}, token: 5 }, CODES.INVALID_PARAMS],
      [{ v: 1, id: 109, type: 'report', items: 'x'.repeat(5000) }, CODES.PROTOCOL_ERROR], // too large
      [{ v: 1, id: 110, type: 'constructor' }, CODES.PROTOCOL_ERROR],
      [{ v: 1, id: 111, type: '__proto__' }, CODES.PROTOCOL_ERROR],
    ];
    for (const [frame, code] of answered) {
      bad.sendRaw(JSON.stringify(frame));
      const f = await bad.waitFor((x) => x.type === 'response' && x.id === frame.id);
      expect(f, JSON.stringify(frame).slice(0, 60)).toMatchObject({ ok: false, error: { code } });
    }
    // Each request id was answered exactly once.
    await bad.sync();
    const ids = bad.frames.filter((f) => f.type === 'response').map((f) => f.id);
    expect(ids).toEqual(answered.map(([f]) => f.id));

    // The same socket can still join and work; the others never noticed.
    expect((await bad.join('room1', 'carol')).ok).toBe(true);
    expect((await alice.request('publish', { screen: false })).ok).toBe(true);
    await bob.waitEvent('stream-added');
    expect(bob.events().map((f) => f.event)).toEqual(['peer-online', 'stream-added']);
  });

  it('a frame past the WebSocket hard limit closes only that socket (1009)', async () => {
    const { url } = await serve({ maxPayloadBytes: 64 * 1024 });
    const big = await RawClient.connect(url);
    const alice = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    big.sendRaw('x'.repeat(100 * 1024));
    expect((await big.waitClose()).code).toBe(1009);
    expect((await alice.request('publish', { screen: false })).ok).toBe(true);
  });

  it('answers ping with pong carrying the same t', async () => {
    const { url } = await serve();
    const c = await RawClient.connect(url);
    c.sendRaw(JSON.stringify({ v: 1, type: 'ping', t: 12345 }));
    expect(await c.waitFor((f) => f.type === 'pong')).toEqual({ v: 1, type: 'pong', t: 12345 });
  });

  it('answers pipelined requests in order', async () => {
    const { url } = await serve();
    const c = await RawClient.connect(url);
    const [j, p, u] = await Promise.all([c.join('room1', 'alice'), c.request('publish', { screen: false }), c.request('unpublish', { screen: false })]);
    expect([j.ok, p.ok, u.ok]).toEqual([true, true, true]);
    expect(c.frames.filter((f) => f.type === 'response').map((f) => f.id)).toEqual([1, 2, 3]);
  });
});

describe('request floods', () => {
  it('refuses requests past maxPendingRequests with RATE_LIMITED, still answering each id once', async () => {
    const { url } = await serve({ maxPendingRequests: 2 });
    const c = await RawClient.connect(url);
    expect((await c.join('flood', 'alice')).ok).toBe(true);
    // One TCP write carrying 20 publish frames: a publish waits (for its push URL), so they pile
    // up. (A join, a leave, a mute or a refusal is answered before the next frame is read.)
    const socket = (c.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    socket.cork();
    for (let id = 1001; id <= 1020; id++) c.sendRaw(JSON.stringify({ v: 1, id, type: 'publish', screen: false }));
    socket.uncork();
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.waitFor((f) => f.type === 'response' && f.id === 1001 + i)));
    const responses = c.frames.filter((f) => f.type === 'response' && f.id! > 1000);
    expect(responses.map((f) => f.id).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 20 }, (_, i) => 1001 + i));
    expect(responses.filter((f) => f.ok).length).toBeGreaterThan(0);
    expect(responses.some((f) => f.error?.code === CODES.RATE_LIMITED)).toBe(true);
    // Once the queue drained, requests are served again.
    c.sendRaw(JSON.stringify({ v: 1, id: 2000, type: 'unpublish', screen: false }));
    expect(await c.waitFor((f) => f.type === 'response' && f.id === 2000)).toMatchObject({ ok: true });
  });
});

describe('socket timeouts', () => {
  it('closes a socket that never joins (4003), with an error frame first', async () => {
    const { url } = await serve({ joinTimeoutMs: 200 });
    const c = await RawClient.connect(url);
    expect((await c.waitClose()).code).toBe(4003);
    expect(c.frames.at(-1)).toMatchObject({ type: 'error', error: { code: CODES.PROTOCOL_ERROR } });
  });

  it('keeps a joined socket past the join timeout, and closes a silent one (4000) with peer-leave', async () => {
    const { url } = await serve({ joinTimeoutMs: 100, idleTimeoutMs: 400, resumeGraceMs: 0 });
    const alice = await RawClient.connect(url);
    const bob = await RawClient.connect(url);
    await alice.join('room1', 'alice');
    await bob.join('room1', 'bob');
    // bob keeps pinging; alice falls silent.
    const pinger = setInterval(() => bob.sendRaw(JSON.stringify({ v: 1, type: 'ping', t: 1 })), 100);
    try {
      expect((await alice.waitClose()).code).toBe(4000);
      expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
      expect(bob.closed).toBeNull();
    } finally {
      clearInterval(pinger);
    }
  });
});
