import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CODES } from '../../src/codes.js';
import { isPlainPing, pongFrame } from '../../src/signaling/ping.js';
import { startServer } from '../../src/signaling/server.js';
import { Deadlines, startSweep, sweepEveryMs } from '../../src/signaling/sweep.js';
import { parseFrame } from '../../src/signaling/validate.js';
import { APP_ID, APP_KEY, RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

// The heartbeat's fast path (ping.ts) must answer exactly as the general path would, and the
// sweep (sweep.ts) must keep the join and idle deadlines the per-socket timers kept.

const PLAIN = [
  '{"v":1,"type":"ping","t":1764000000123}',
  '{"v":1,"type":"ping","t":0}',
  '{"v":1,"type":"ping","t":7}',
  `{"v":1,"type":"ping","t":${'9'.repeat(15)}}`,
];
const OTHER_PINGS = [
  '{"v":1,"type":"ping","t":1.5}',
  '{"v":1,"type":"ping","t":-3}',
  '{"v":1,"type":"ping","t":1e3}',
  '{ "v": 1, "type": "ping", "t": 7 }',
  '{"type":"ping","t":9}',
  '{"v":1,"type":"ping"}',
  '{"v":1,"type":"ping","t":"12"}',
  `{"v":1,"type":"ping","t":${'1'.repeat(16)}}`,
  '{"t":5,"type":"ping","v":1}',
];
const NOT_JSON = ['{"v":1,"type":"ping","t":01}', '{"v":1,"type":"ping","t":12}}', '{"v":1,"type":"ping","t":}', '{"v":1,"type":"ping","t":1 }x'];

/** What the general path answers: parseFrame, then the pong serialized. */
function generalPong(text: string): string | null {
  const p = parseFrame(text);
  return p.kind === 'ping' ? JSON.stringify({ v: 1, type: 'pong', t: p.t }) : null;
}

describe('the plain ping', () => {
  it('is the SDK spelling with an integer t of up to 15 digits; its pong is byte for byte the general path’s', () => {
    for (const text of PLAIN) {
      expect(isPlainPing(Buffer.from(text)), text).toBe(true);
      const frame = pongFrame(Buffer.from(text));
      // An unmasked, final text frame with a one-byte length, then the general path's pong.
      expect([frame[0], frame[1]], text).toEqual([0x81, text.length]);
      expect(frame.subarray(2).toString(), text).toBe(generalPong(text));
    }
    for (const text of [...OTHER_PINGS, ...NOT_JSON, '{"v":1,"type":"pong","t":5}', '{"v":1,"id":1,"type":"leave"}', '', '}'])
      expect(isPlainPing(Buffer.from(text)), text).toBe(false);
  });
});

/** Sends one frame on a bare ws socket and resolves with the first frame back and whether it was binary. */
function exchange(ws: WebSocket, text: string): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve) => {
    ws.once('message', (data, binary) => resolve({ text: String(data), binary }));
    ws.send(text);
  });
}

async function bare(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return ws;
}

describe('ping over the wire', () => {
  it('answers every spelling of a ping as before: plain ones from their bytes, others parsed; bad JSON is still refused', async () => {
    const { url } = await serve();
    const ws = await bare(url);
    try {
      for (const text of [...PLAIN, ...OTHER_PINGS]) {
        const got = await exchange(ws, text);
        expect(got.binary, text).toBe(false);
        // Without a numeric t the pong carries the server's clock.
        if (!/"t": ?-?\d/.test(text)) expect(JSON.parse(got.text), text).toMatchObject({ v: 1, type: 'pong', t: expect.any(Number) });
        else expect(got.text, text).toBe(generalPong(text));
      }
      for (const text of NOT_JSON) {
        const got = JSON.parse((await exchange(ws, text)).text);
        expect(got, text).toMatchObject({ type: 'error', error: { code: CODES.PROTOCOL_ERROR, reason: expect.stringContaining('not valid JSON') } });
      }
    } finally {
      ws.terminate();
    }
  });

  it('a plain ping is under the frame size limit and the message rate like any frame', async () => {
    const small = await serve({ maxFrameBytes: 30 });
    const a = await RawClient.connect(small.url);
    a.sendRaw(PLAIN[0]!);
    expect((await a.waitFor((f) => f.type === 'error')).error).toMatchObject({
      code: CODES.PROTOCOL_ERROR,
      reason: expect.stringContaining('exceeds the limit'),
    });
    a.ws.terminate();

    const slow = await serve({ messageRate: { perSecond: 1, burst: 3 } });
    const b = await RawClient.connect(slow.url);
    for (let i = 0; i < 10; i++) b.sendRaw(`{"v":1,"type":"ping","t":${i}}`);
    expect((await b.waitFor((f) => f.type === 'error')).error).toMatchObject({ code: CODES.RATE_LIMITED });
    expect((await b.waitClose()).code).toBe(4006);
    expect(b.frames.filter((f) => f.type === 'pong').map((f) => f.t)).toEqual([0, 1, 2]);
  });
});

describe('join and idle deadlines (the sweep)', () => {
  it('counts the join deadline again from a leave: pings do not keep a socket out of a room open', async () => {
    const { url } = await serve({ joinTimeoutMs: 300, idleTimeoutMs: 60_000 });
    const c = await RawClient.connect(url);
    expect((await c.join('room1', 'alice')).ok).toBe(true);
    const pinger = setInterval(() => c.sendRaw(`{"v":1,"type":"ping","t":${Date.now()}}`), 50);
    try {
      // In a room past the join deadline: kept.
      await new Promise((r) => setTimeout(r, 600));
      expect(c.closed).toBeNull();
      expect((await c.request('leave')).ok).toBe(true);
      const left = Date.now();
      expect((await c.waitClose()).code).toBe(4003);
      expect(Date.now() - left).toBeGreaterThanOrEqual(300);
      expect(c.frames.at(-1)).toMatchObject({ type: 'error', error: { code: CODES.PROTOCOL_ERROR, reason: 'no join within 300 ms' } });
    } finally {
      clearInterval(pinger);
    }
  });

  it('closes a joined socket that sends nothing (4000), not one that keeps sending', async () => {
    const { url } = await serve({ idleTimeoutMs: 300 });
    const quiet = await RawClient.connect(url);
    const busy = await RawClient.connect(url);
    await quiet.join('room1', 'quiet');
    await busy.join('room1', 'busy');
    const pinger = setInterval(() => busy.sendRaw(`{"v":1,"type":"ping","t":${Date.now()}}`), 50);
    try {
      expect((await quiet.waitClose()).code).toBe(4000);
      await new Promise((r) => setTimeout(r, 400));
      expect(busy.closed).toBeNull();
    } finally {
      clearInterval(pinger);
    }
  });

  it('sweeps every socket with a deadline passed even when one throws, reports the failure, and stops', async () => {
    const seen: number[] = [];
    const faults: unknown[] = [];
    let passes = 0;
    const deadlines = new Deadlines();
    const past = Date.now() - 1;
    deadlines.add({ sweep: () => seen.push(1) }, past, Infinity);
    deadlines.add(
      {
        sweep: () => {
          throw new Error('boom');
        },
      },
      Infinity,
      past,
    );
    deadlines.add({ sweep: () => (seen.push(3), passes++) }, past, past);
    const stop = startSweep(deadlines, 10, (e) => faults.push(e));
    while (passes < 2) await new Promise((r) => setTimeout(r, 5));
    stop();
    const after = seen.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBe(after);
    expect(seen.slice(0, 4)).toEqual([1, 3, 1, 3]);
    expect(faults.length).toBeGreaterThanOrEqual(2);
    expect(faults[0]).toMatchObject({ message: 'boom' });
  });

  it('looks only at sockets with a deadline at or before now, in any number of slots, reused once freed', () => {
    const deadlines = new Deadlines();
    const looked: number[] = [];
    const slots = Array.from({ length: 300 }, (_, i) => deadlines.add({ sweep: () => looked.push(i) }, 1000 + i, i % 7 === 0 ? 500 + i : Infinity));
    deadlines.sweep(400, () => undefined);
    expect(looked).toEqual([]);
    // Join deadlines (every 7th socket) from 500 on, idle ones from 1000 on.
    deadlines.sweep(1000, () => undefined);
    expect(looked).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i === 0 || i % 7 === 0));
    looked.length = 0;
    // Heard again, joined: both deadlines move on; a removed socket is never looked at again.
    deadlines.setIdleDue(slots[7]!, 5000);
    deadlines.setJoinDue(slots[7]!, Infinity);
    deadlines.remove(slots[14]!);
    deadlines.sweep(1010, () => undefined);
    expect(looked).toContain(0);
    expect(looked).not.toContain(7);
    expect(looked).not.toContain(14);
    expect(deadlines.size).toBe(299);
    // A freed slot goes to the next socket.
    expect(deadlines.add({ sweep: () => looked.push(-1) }, 0, Infinity)).toBe(slots[14]);
    looked.length = 0;
    deadlines.sweep(1, () => undefined);
    expect(looked).toEqual([-1]);
  });

  it('runs often enough: at most a second, an eighth of the shorter timeout', () => {
    expect(sweepEveryMs(15_000, 60_000)).toBe(1000);
    expect(sweepEveryMs(400, 60_000)).toBe(50);
    expect(sweepEveryMs(60_000, 200)).toBe(25);
    expect(sweepEveryMs(0, 0)).toBe(10);
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001, cuts one that never answers the close, and resolves', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY } });
    const polite = await RawClient.connect(server.url);
    // A bare upgrade that then reads nothing and answers nothing: no closing handshake.
    const mute = connect(server.port, '127.0.0.1');
    mute.on('error', () => undefined);
    let head = '';
    await new Promise<void>((resolve) => {
      mute.on('data', (d) => {
        head += String(d);
        if (head.includes('\r\n\r\n')) resolve();
      });
      mute.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    const cut = new Promise<void>((resolve) => mute.once('close', () => resolve()));
    while (server.stats().sockets < 2) await new Promise((r) => setTimeout(r, 10));
    await server.close();
    expect((await polite.waitClose()).code).toBe(1001);
    await cut;
    expect(server.stats().sockets).toBe(0);
  });
});
