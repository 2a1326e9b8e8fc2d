// The signaling port before the WebSocket upgrade: a connection is not counted per address until
// its upgrade request is whole, so the time it may take is bounded (upgradeTimeoutMs) instead of
// Node's default (about 90 s for a connection that sends nothing). An upgraded socket is not cut.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/signaling/server.js';
import { RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

async function open(port: number): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let got = '';
  socket.on('data', (d) => (got += String(d)));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, text: () => got, closed };
}

describe('before the upgrade', () => {
  it('a connection that sends nothing gets 408 and is closed within upgradeTimeoutMs', async () => {
    const { server } = await serve({ upgradeTimeoutMs: 300 });
    const c = await open(server.port);
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an upgrade request trickled header by header is closed the same way', async () => {
    const { server } = await serve({ upgradeTimeoutMs: 300 });
    const c = await open(server.port);
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    let n = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(`X-${n++}: y\r\n`);
    }, 50);
    await c.closed;
    clearInterval(trickle);
    expect(c.text()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an upgraded socket outlives upgradeTimeoutMs; a plain request gets 426', async () => {
    const { server, url, track } = await serve({ upgradeTimeoutMs: 200 });
    const a = track(await RawClient.connect(url));
    // Several of Node's timeout checks pass (every 200 ms here): the socket must still be served.
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await a.join('room1', 'alice')).ok).toBe(true);
    await a.sync();
    const plain = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(plain.status).toBe(426);
    await plain.text();
  });

  it('connections not yet upgraded are capped per address at accept; upgraded ones count at the upgrade instead', async () => {
    // A long upgrade time: only the cap can close the extra connection.
    const { server, url, track } = await serve({ maxSocketsPerAddress: 3, upgradeTimeoutMs: 60_000 });
    const idle = [await open(server.port), await open(server.port), await open(server.port)];
    const extra = await open(server.port);
    await extra.closed;
    expect(extra.text()).toBe('');
    expect(idle.every((c) => !c.socket.destroyed)).toBe(true);
    // One goes: a client upgrades in its place, and no longer holds a pre-upgrade place once it has.
    idle[0]!.socket.destroy();
    await idle[0]!.closed;
    const a = track(await RawClient.connect(url));
    expect((await a.join('room1', 'alice')).ok).toBe(true);
    idle[1]!.socket.destroy();
    await idle[1]!.closed;
    const more = await open(server.port);
    const more2 = await open(server.port);
    await new Promise((r) => setTimeout(r, 100));
    expect([more, more2].every((c) => !c.socket.destroyed)).toBe(true);
    for (const c of [...idle, more, more2]) c.socket.destroy();
  });

  it('behind a trusted proxy the per-address cap does not apply before the upgrade (all would be the proxy)', async () => {
    const { server } = await serve({ maxSocketsPerAddress: 2, upgradeTimeoutMs: 60_000, trustProxy: true });
    const conns = [await open(server.port), await open(server.port), await open(server.port), await open(server.port)];
    await new Promise((r) => setTimeout(r, 100));
    expect(conns.every((c) => !c.socket.destroyed)).toBe(true);
    for (const c of conns) c.socket.destroy();
  });

  it('a port in use is refused with EADDRINUSE and leaves nothing open', async () => {
    const { server } = await serve();
    await expect(startServer({ port: server.port, host: '127.0.0.1', apps: {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
