// Limits over the wire, against a real ws server: frames refused before parsing, the message
// rate, a client that does not read, sockets per address, X-Forwarded-For only when trusted,
// token refusals budgeted per user id. Each test also shows that a bystander is still served.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RawClient, token } from '../support/client.js';
import { serve } from '../support/server.js';

const FAST = { messageRate: { perSecond: 1e6, burst: 1_000_000 }, byteRate: { perSecond: 1e9, burst: 1_000_000_000 } };

/** A bystander in its own room: join, publish, and a second user subscribes. */
async function bystanderCall(url: string, room = 'bystanders'): Promise<void> {
  const a = await RawClient.connect(url);
  const b = await RawClient.connect(url);
  expect((await a.join(room, 'pub')).ok).toBe(true);
  expect((await b.join(room, 'sub')).ok).toBe(true);
  expect((await a.request('publish', { screen: false })).ok).toBe(true);
  await b.waitEvent('stream-added');
  expect((await b.request('subscribe', { userId: 'pub' })).ok).toBe(true);
  a.ws.terminate();
  b.ws.terminate();
}

/** The upgrade's HTTP status, or 101 when the socket opened. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
    ws.on('error', () => undefined);
  });
}

describe('frames refused before parsing', () => {
  it('a frame nested deeper than maxFrameDepth: PROTOCOL_ERROR on its id, the socket stays', async () => {
    const { url } = await serve();
    const c = await RawClient.connect(url);
    c.sendRaw(`{"v":1,"id":5,"type":"report","items":${'['.repeat(40)}${']'.repeat(40)}}`);
    const r = await c.waitFor((f) => f.type === 'response' && f.id === 5);
    expect(r).toMatchObject({ ok: false, error: { code: CODES.PROTOCOL_ERROR, reason: expect.stringMatching(/deeper than 32/) } });
    // Without an id: an unsolicited error frame.
    c.sendRaw('['.repeat(50_000));
    expect(await c.waitFor((f) => f.type === 'error')).toMatchObject({ error: { code: CODES.PROTOCOL_ERROR } });
    await c.sync();
    expect((await c.join('r', 'a')).ok).toBe(true);
  });

  it('a frame over maxFrameBytes is answered on the id at its tail, as the SDK writes it', async () => {
    const { url } = await serve({ maxFrameBytes: 4096 });
    const c = await RawClient.connect(url);
    c.sendRaw(JSON.stringify({ type: 'report', items: [], pad: 'x'.repeat(6000), v: 1, id: 77 }));
    const r = await c.waitFor((f) => f.type === 'response' && f.id === 77);
    expect(r).toMatchObject({ ok: false, error: { code: CODES.PROTOCOL_ERROR, reason: expect.stringMatching(/exceeds the limit of 4096/) } });
    expect((await c.join('r', 'a')).ok).toBe(true);
  });

  it('ws refuses a frame past maxPayloadBytes (default maxFrameBytes + 16 KiB) from its header: close 1009', async () => {
    const { url } = await serve();
    const c = await RawClient.connect(url);
    c.sendRaw('x'.repeat(64 * 1024 + 16 * 1024 + 1));
    expect((await c.waitClose()).code).toBe(1009);
    await bystanderCall(url);
  });
});

describe('message rate per socket', () => {
  it('frames over the rate get RATE_LIMITED on their ids; a client that keeps on is closed (4006) and its session parked', async () => {
    const { url } = await serve({ messageRate: { perSecond: 1, burst: 5 } });
    const c = await RawClient.connect(url);
    const j = await c.join('r', 'flooder'); // 1 of the 5
    expect(j.ok).toBe(true);
    for (let id = 100; id < 110; id++) c.sendRaw(JSON.stringify({ v: 1, id, type: 'muteLocal', audio: false, video: false }));
    // (The frames within the burst are answered too: a refusal for muting what is not published.)
    const refused = await c.waitFor((f) => f.type === 'response' && f.error?.code === CODES.RATE_LIMITED);
    expect(refused.error).toMatchObject({ code: CODES.RATE_LIMITED, reason: expect.stringMatching(/frames per second/) });
    for (let i = 0; i < 50; i++) c.sendRaw(JSON.stringify({ v: 1, type: 'ping', t: i }));
    expect((await c.waitClose()).code).toBe(4006);
    // Parked like a drop: the session resumes from a new socket.
    const again = await RawClient.connect(url);
    const r = await again.request('resume', { sessionId: j.data.sessionId, resumeToken: j.data.resumeToken, lastSeq: 0 });
    expect(r.ok).toBe(true);
    await bystanderCall(url);
  });
});

describe('a client that does not read', () => {
  it('is closed with 4005 once its unsent data passes sendBufferBytes; its session is parked and resumes', async () => {
    const { url, server } = await serve({ ...FAST, sendBufferBytes: 16 * 1024 });
    let dropped = false;
    server.events.on((e) => {
      if (e.type === 'limit' && e.limit === 'send-buffer') dropped = e.closed === 4005;
    });
    const uid = 'u'.repeat(120); // bigger events: the kernel's socket buffers (MBs on loopback) fill sooner
    const slow = await RawClient.connect(url);
    const j = await slow.join('r', 'slow');
    const bob = await RawClient.connect(url);
    expect((await bob.join('r', uid)).ok).toBe(true);
    expect((await bob.request('publish', { screen: false })).ok).toBe(true);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // Events until the kernel's buffers (MBs on loopback) and then the cap are full.
    let sent = 0;
    while (!dropped && sent < 100_000) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => bob.request('muteLocal', { audio: (sent + i) % 2 === 0, video: false })));
      sent += 100;
    }
    expect(dropped).toBe(true);
    // More events after the drop wait in the parked session.
    for (let i = 0; i < 100; i++) await bob.request('muteLocal', { audio: i % 2 === 0, video: false });
    sent += 100;
    await bystanderCall(url);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.waitClose()).code).toBe(4005);
    // Fewer events reached it than were sent: the rest waited in the session, not the socket.
    const last = slow.lastSeq;
    expect(last).toBeLessThan(sent);
    // The session resumes from the last event the socket delivered, when the 512 kept cover it.
    const again = await RawClient.connect(url);
    const r = await again.request('resume', { sessionId: j.data.sessionId, resumeToken: j.data.resumeToken, lastSeq: Math.max(last, sent - 400) });
    expect(r).toMatchObject({ ok: true });
  });
});

describe('addresses', () => {
  it('sockets per address are capped at the upgrade (429); others still connect', async () => {
    const { url } = await serve({ maxSocketsPerAddress: 3, trustProxy: true });
    const open: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await upgradeStatus(url, { 'x-forwarded-for': '203.0.113.1' });
      expect(s.status).toBe(101);
      open.push(s.ws);
    }
    expect((await upgradeStatus(url, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
    const other = await upgradeStatus(url, { 'x-forwarded-for': '203.0.113.2' });
    expect(other.status).toBe(101);
    other.ws.terminate();
    // A closed socket frees its place.
    open[0]!.close();
    await new Promise((r) => open[0]!.once('close', r));
    let s = await upgradeStatus(url, { 'x-forwarded-for': '203.0.113.1' });
    // The server may see the close a moment after the client: retry until the place is free.
    while (s.status !== 101) s = await upgradeStatus(url, { 'x-forwarded-for': '203.0.113.1' });
    for (const w of [...open, s.ws]) w.terminate();
  });

  it('without trustProxy, X-Forwarded-For is ignored: the header cannot buy a fresh join budget', async () => {
    const { url } = await serve({ joinRateLimit: { max: 2, windowMs: 60_000 } });
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(url, { 'x-forwarded-for': `198.51.100.${i}` });
      expect((await c.join('r', `u${i}`)).ok).toBe(true);
    }
    const c = await RawClient.connect(url, { 'x-forwarded-for': '198.51.100.99' });
    expect(await c.join('r', 'late')).toMatchObject({ ok: false, error: { code: CODES.RATE_LIMITED } });
  });

  it('with trustProxy, a guesser behind the proxy spends its own address budget and the guessed id budget, not the others', async () => {
    const { url } = await serve({ trustProxy: true, joinRateLimit: { max: 5, windowMs: 60_000 }, tokenRefusalLimit: { max: 3, windowMs: 60_000 } });
    const guesser = (n: number) => RawClient.connect(url, { 'x-forwarded-for': `203.0.113.${n}` });
    // One address guessing: stopped by the address budget after 5.
    const g = await guesser(1);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await g.join('r', `victim${i}`, { token: 'bad' })).error!.code);
    expect(codes.slice(5)).toEqual([CODES.RATE_LIMITED, CODES.RATE_LIMITED]);
    // Many addresses guessing one id: stopped by that id's refusal budget after 3.
    const byId: number[] = [];
    for (let i = 0; i < 5; i++) byId.push((await (await guesser(10 + i)).join('r', 'alice', { token: 'bad' })).error!.code);
    expect(byId.slice(0, 3).every((code) => code !== CODES.RATE_LIMITED)).toBe(true);
    expect(byId.slice(3)).toEqual([CODES.RATE_LIMITED, CODES.RATE_LIMITED]);
    // Other users behind the same proxy, each from its own address, still join.
    const bob = await RawClient.connect(url, { 'x-forwarded-for': '203.0.113.50' });
    expect((await bob.join('r', 'bob')).ok).toBe(true);
    // alice, whose id was guessed, waits for the window (documented); a valid token is refused too.
    const alice = await RawClient.connect(url, { 'x-forwarded-for': '203.0.113.51' });
    expect(await alice.join('r', 'alice', { token: token('r', 'alice') })).toMatchObject({ ok: false, error: { code: CODES.RATE_LIMITED } });
  });
});

describe('byte rate per socket', () => {
  it('past its byte budget a socket is read more slowly, not refused: every frame is still answered', async () => {
    const { url, server } = await serve({ byteRate: { perSecond: 32 * 1024, burst: 32 * 1024 } });
    let paused = 0;
    server.events.on((e) => {
      if (e.type === 'limit' && e.limit === 'byte-rate') paused++;
    });
    const c = await RawClient.connect(url);
    const pad = 'x'.repeat(12 * 1024);
    // 4 frames of 12 KiB: the third puts the socket in debt, so reading pauses for a while.
    for (let id = 1; id <= 4; id++) c.sendRaw(JSON.stringify({ v: 1, id, type: 'leave', pad }));
    await Promise.all([1, 2, 3, 4].map((id) => c.waitFor((f) => f.type === 'response' && f.id === id)));
    expect(paused).toBeGreaterThan(0);
    expect(c.closed).toBeNull();
    await bystanderCall(url);
  });
});
