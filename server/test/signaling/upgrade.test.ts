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

  it('a port in use is refused with EADDRINUSE and leaves nothing open', async () => {
    const { server } = await serve();
    await expect(startServer({ port: server.port, host: '127.0.0.1', apps: {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
