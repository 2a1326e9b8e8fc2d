// The per-turn frame writer against a real ws client: what it frames by hand must read back as
// the same messages, in order, at every length class (7-bit, 16-bit and 64-bit lengths), and a
// turn's frames to one socket must leave in one write.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAudience, beforeAudience, enqueueFrame, flushAll, noteRequest, writeFrames, type Outbox } from '../../src/signaling/write-batch.js';

const servers: { http: Server; wss: WebSocketServer }[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const { http, wss } of servers.splice(0)) {
    wss.close();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

/** A ws server whose first connection hands over its TCP socket, and a client reading messages. */
async function pair(): Promise<{ socket: Socket; received: string[]; next: (n: number) => Promise<string[]> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  servers.push({ http, wss });
  const socket = new Promise<Socket>((resolve) => wss.once('connection', (_ws, req) => resolve(req.socket as Socket)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  clients.push(client);
  const received: string[] = [];
  const waiters: { n: number; resolve: (v: string[]) => void }[] = [];
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(data.toString());
    for (const w of waiters.splice(0)) {
      if (received.length >= w.n) w.resolve(received.slice(0, w.n));
      else waiters.push(w);
    }
  });
  const next = (n: number): Promise<string[]> =>
    received.length >= n ? Promise.resolve(received.slice(0, n)) : new Promise((resolve) => waiters.push({ n, resolve }));
  return { socket: await socket, received, next };
}

/** An outbox that hands each batch it is asked to flush (null when it has none) to `flushed`. */
function outbox(flushed: (frames: string[] | null) => void): Outbox {
  const b: Outbox = {
    outgoing: null,
    flush() {
      const frames = b.outgoing;
      b.outgoing = null;
      flushed(frames);
    },
  };
  return b;
}

describe('writeFrames', () => {
  it('frames every length class and multi-byte text so that ws reads the same messages in order', async () => {
    const { socket, next } = await pair();
    const frames = [
      '',
      'a',
      'x'.repeat(125),
      'y'.repeat(126),
      'é'.repeat(63) /* 126 bytes */,
      'z'.repeat(65_535),
      'w'.repeat(65_536),
      '{"v":1,"ü":"中文"}',
      'q'.repeat(200_000),
    ];
    writeFrames(socket, frames);
    expect(await next(frames.length)).toEqual(frames);
  });
});

describe('enqueueFrame', () => {
  it("writes a turn's frames to a socket in one write, at the end of the turn, in order", async () => {
    const { socket, next } = await pair();
    let writes = 0;
    const write = socket.write.bind(socket);
    socket.write = ((...a: Parameters<Socket['write']>) => {
      writes++;
      return write(...a);
    }) as Socket['write'];
    const box = outbox((f) => f && writeFrames(socket, f));
    for (let i = 0; i < 5; i++) enqueueFrame(box, `frame ${i}`);
    expect(writes).toBe(0);
    expect(await next(5)).toEqual(['frame 0', 'frame 1', 'frame 2', 'frame 3', 'frame 4']);
    expect(writes).toBe(1);
    // A later turn starts a new batch.
    enqueueFrame(box, 'frame 5');
    expect(await next(6)).toContain('frame 5');
    expect(writes).toBe(2);
  });

  it('flushes outboxes in the order of their first frame of the turn', async () => {
    const order: string[] = [];
    const box = (name: string) => outbox((f) => order.push(`${name}:${f?.length ?? 0}`));
    const [a, b, c] = [box('a'), box('b'), box('c')];
    enqueueFrame(b, '1');
    enqueueFrame(a, '1');
    enqueueFrame(b, '2');
    enqueueFrame(c, '1');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['b:2', 'a:1', 'c:1']);
  });
});

describe('answers first', () => {
  it('writes outboxes whose first frame of the turn is an answer before the others', async () => {
    const order: string[] = [];
    const box = (name: string) => outbox((f) => f && order.push(name));
    const [peer1, peer2, requester] = [box('peer1'), box('peer2'), box('requester')];
    enqueueFrame(peer1, 'peer-online');
    enqueueFrame(peer2, 'peer-online');
    enqueueFrame(requester, 'response', true);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['requester', 'peer1', 'peer2']);
  });

  it('writes the answer to the only request of a turn at once, then what it made for others; in a busier turn answers wait for its end', async () => {
    await new Promise((r) => setImmediate(r)); // a turn of our own
    const written: string[] = [];
    const box = (name: string) => outbox((f) => f && written.push(`${name}:${f.join('+')}`));
    const [peer, requester, a, b] = [box('peer'), box('requester'), box('a'), box('b')];
    noteRequest();
    enqueueFrame(peer, 'peer-online');
    enqueueFrame(requester, 'response', true);
    // At once, before the turn ends: the answer first, then the frame the request made for the peer.
    expect(written).toEqual(['requester:response', 'peer:peer-online']);
    // A frame queued later in the turn waits for its end as before.
    enqueueFrame(peer, 'peer-left');
    expect(written).toHaveLength(2);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual(['requester:response', 'peer:peer-online', 'peer:peer-left']);
    // Two requests read in one turn: both answers wait for the turn's end (one write per socket).
    noteRequest();
    noteRequest();
    enqueueFrame(a, 'response', true);
    enqueueFrame(b, 'response', true);
    enqueueFrame(a, 'event', false);
    expect(written).toHaveLength(3);
    await new Promise((r) => setImmediate(r));
    expect(written.slice(3)).toEqual(['a:response+event', 'b:response']);
  });

  it("writes the only request's answer after what it made for others when asked to (othersFirst: a mute, not a join)", async () => {
    await new Promise((r) => setImmediate(r)); // a turn of our own
    const written: string[] = [];
    const box = (name: string) => outbox((f) => f && written.push(`${name}:${f.join('+')}`));
    const [peer1, peer2, requester] = [box('peer1'), box('peer2'), box('requester')];
    noteRequest();
    enqueueFrame(peer1, 'mute-audio');
    enqueueFrame(peer2, 'mute-audio');
    enqueueFrame(requester, 'response', true, true);
    // At once, before the turn ends, and the room first.
    expect(written).toEqual(['peer1:mute-audio', 'peer2:mute-audio', 'requester:response']);
    await new Promise((r) => setImmediate(r));
    expect(written).toHaveLength(3);
  });

  it('flushAll writes at once, and the turn-end flush then finds nothing twice', async () => {
    const flushed: string[][] = [];
    const b = outbox((f) => f && flushed.push(f));
    enqueueFrame(b, 'one');
    flushAll();
    expect(flushed).toEqual([['one']]);
    enqueueFrame(b, 'two');
    await new Promise((r) => setImmediate(r));
    expect(flushed).toEqual([['one'], ['two']]);
  });
});

describe('one buffer for identical frames', () => {
  it('frames a lone frame sent to several sockets once, and each socket still reads exactly its frames in order', async () => {
    const sockets = await Promise.all([pair(), pair(), pair()]);
    const written: Buffer[] = [];
    const boxes = sockets.map(({ socket }) => {
      const write = socket.write.bind(socket);
      socket.write = ((chunk: Buffer, ...rest: never[]) => {
        written.push(chunk);
        return write(chunk, ...rest);
      }) as Socket['write'];
      return outbox((f) => f && writeFrames(socket, f));
    });
    const [a, b, c] = boxes as [Outbox, Outbox, Outbox];
    // The same string to all three (one room event), built again per socket for the last one.
    const event = JSON.stringify({ v: 1, type: 'event', event: 'mute-audio', data: { uid: 'u1' } });
    enqueueFrame(a, event);
    enqueueFrame(b, event);
    enqueueFrame(c, `${event} `.trim());
    await new Promise((r) => setImmediate(r));
    expect(written).toHaveLength(3);
    expect(written[1]).toBe(written[0]);
    expect(written[2]).toBe(written[0]);
    // A socket with two frames this turn gets both, framed for it; the others their own one.
    enqueueFrame(a, 'second');
    enqueueFrame(b, event);
    enqueueFrame(b, 'b only');
    enqueueFrame(c, 'c only');
    expect(await sockets[0]!.next(2)).toEqual([event, 'second']);
    expect(await sockets[1]!.next(3)).toEqual([event, event, 'b only']);
    expect(await sockets[2]!.next(2)).toEqual([event, 'c only']);
    expect(written[4]).not.toBe(written[0]);
    expect(written[5]).not.toBe(written[0]);
    for (const s of sockets) expect(s.received).toHaveLength(s === sockets[1] ? 3 : 2);
  });
});

describe('the audience', () => {
  const recorder = (order: string[]) => (name: string) => outbox((f) => f && order.push(`${name}:${f.join(',')}`));

  it('writes the visible members at beforeAudience, the audience after everyone else of later turns, a slice per turn', async () => {
    const order: string[] = [];
    const box = recorder(order);
    const visible = [box('v1'), box('v2')];
    const members = Array.from({ length: 300 }, (_, i) => box(`a${i}`));
    for (const v of visible) enqueueFrame(v, 'e1');
    beforeAudience();
    // The visible members' frames are written before any audience frame is even queued.
    expect(order).toEqual(['v1:e1', 'v2:e1']);
    for (const m of members) enqueueFrame(m, 'e1');
    // The operation is over: what follows is nobody's audience.
    await Promise.resolve();
    const requester = box('requester');
    enqueueFrame(requester, 'answer', true);
    await new Promise((r) => setImmediate(r));
    // First turn: the answer, then the first slice of the audience, not all 300.
    expect(order[2]).toBe('requester:answer');
    const firstTurn = order.length - 3;
    expect(firstTurn).toBeGreaterThan(0);
    expect(firstTurn).toBeLessThan(300);
    // The next event, a turn later: its visible member is written before the rest of the audience.
    for (const v of visible) enqueueFrame(v, 'e2');
    enqueueFrame(members[299]!, 'e2');
    await new Promise((r) => setImmediate(r));
    expect(order.indexOf('v1:e2')).toBe(3 + firstTurn);
    while (order.length < 2 + 1 + 2 + 300) await new Promise((r) => setImmediate(r));
    // Every audience member got its frames exactly once and in order; the last one both events in one write.
    const audienceLines = order.filter((l) => l.startsWith('a'));
    expect(audienceLines).toHaveLength(300);
    expect(audienceLines.at(-1)).toBe('a299:e1,e2');
    expect(new Set(audienceLines.map((l) => l.split(':')[0])).size).toBe(300);
  });

  it("an operation's second event reaches the members written at beforeAudience before its audience", async () => {
    // A publisher leaves: stream-removed to the visible members, then to the audience; then
    // peer-leave to the visible members (and none to the audience of an invisible leaver's room).
    const order: string[] = [];
    const box = recorder(order);
    const visible = [box('v1'), box('v2')];
    const members = Array.from({ length: 300 }, (_, i) => box(`a${i}`));
    for (const v of visible) enqueueFrame(v, 'stream-removed');
    beforeAudience();
    for (const m of members) enqueueFrame(m, 'stream-removed');
    for (const v of visible) enqueueFrame(v, 'peer-leave');
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(order.slice(0, 4)).toEqual(['v1:stream-removed', 'v2:stream-removed', 'v1:peer-leave', 'v2:peer-leave']);
    while (order.length < 4 + 300) await new Promise((r) => setImmediate(r));
    expect(order.filter((l) => l.startsWith('a'))).toHaveLength(300);
  });

  it('afterAudience ends the audience at once, before the task is over', async () => {
    const order: string[] = [];
    const box = recorder(order);
    const [audience, next] = [box('audience'), box('next-visible')];
    beforeAudience();
    enqueueFrame(audience, 'x');
    afterAudience();
    // Another operation in the same task (a second request read from the same chunk).
    enqueueFrame(next, 'y');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['next-visible:y', 'audience:x']);
  });

  it('a frame queued after the operation that called beforeAudience is not the audience', async () => {
    const order: string[] = [];
    const box = recorder(order);
    const [audience, other] = [box('audience'), box('other')];
    beforeAudience();
    enqueueFrame(audience, 'x');
    await Promise.resolve();
    enqueueFrame(other, 'y');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['other:y', 'audience:x']);
  });
});
