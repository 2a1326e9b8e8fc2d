import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

// Which the server writes first when one request changes the room: its answer or what the others
// hear. A join's or leave's answer first (the client waits on it to go on), a mute's after the
// room's frames (write-batch.ts). Observed on the server's own socket writes, in this process.

/**
 * The text frames the server listening on `port` wrote, in the order written. Only the server's
 * own sockets (local port `port`) are read: a client's `ws` writes a frame's masked payload apart
 * from its header, and one starting with 0x81 (1 in 256) would look like a server frame.
 */
function recordServerWrites(port: number): { frames: { type: string; event?: string }[]; stop: () => void } {
  const frames: { type: string; event?: string }[] = [];
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (Buffer.isBuffer(chunk) && this.localPort === port) {
      for (let at = 0; at + 2 <= chunk.length;) {
        const masked = (chunk[at + 1]! & 0x80) !== 0;
        let n = chunk[at + 1]! & 0x7f;
        let head = 2;
        if (n === 126) {
          n = chunk.readUInt16BE(at + 2);
          head = 4;
        } else if (n === 127) break; // not a frame of this test
        if (masked || chunk[at] !== 0x81) break;
        const f = JSON.parse(chunk.toString('utf8', at + head, at + head + n)) as { type: string; event?: string };
        frames.push({ type: f.type, ...(f.event ? { event: f.event } : {}) });
        at += head + n;
      }
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket['write'];
  return { frames, stop: () => (Socket.prototype.write = write) };
}

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('answer or room first', () => {
  it("writes a mute's room events before its answer, a join's and a leave's answer before the room's events", async () => {
    const { url, track } = await serve();
    const alice = track(await RawClient.connect(url));
    const bob = track(await RawClient.connect(url));
    const carol = track(await RawClient.connect(url));
    await alice.join('r', 'alice');
    await bob.join('r', 'bob');
    await carol.join('r', 'carol');
    await alice.request('publish', { screen: false });
    await Promise.all([bob.waitEvent('stream-added'), carol.waitEvent('stream-added')]);

    const rec = recordServerWrites(Number(new URL(url).port));
    stop = rec.stop;
    expect((await alice.request('muteLocal', { audio: true, video: false })).ok).toBe(true);
    await Promise.all([bob.waitEvent('mute-audio'), carol.waitEvent('mute-audio')]);
    expect(rec.frames).toEqual([{ type: 'event', event: 'mute-audio' }, { type: 'event', event: 'mute-audio' }, { type: 'response' }]);

    rec.frames.length = 0;
    expect((await carol.request('leave')).ok).toBe(true);
    await Promise.all([alice.waitEvent('peer-leave'), bob.waitEvent('peer-leave')]);
    expect(rec.frames).toEqual([{ type: 'response' }, { type: 'event', event: 'peer-leave' }, { type: 'event', event: 'peer-leave' }]);

    rec.frames.length = 0;
    expect((await carol.join('r', 'carol')).ok).toBe(true);
    await Promise.all([alice.waitEvent('peer-online', (d) => d.uid === 'carol'), bob.waitEvent('peer-online', (d) => d.uid === 'carol')]);
    expect(rec.frames[0]).toEqual({ type: 'response' });
    expect(rec.frames.slice(1).filter((f) => f.event === 'peer-online')).toHaveLength(2);
  });
});
