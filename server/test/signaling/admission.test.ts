import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/signaling/admission.js';
import { SocketCounter } from '../../src/signaling/rate-limit.js';

// The socket caps' counts per TCP connection (the real server's use is in upgrade.test.ts and
// abuse.test.ts); here the bookkeeping itself, on stand-in sockets that only emit 'close'.
const socket = (): Socket => new EventEmitter() as unknown as Socket;

describe('Admission', () => {
  it('counts a connection before its upgrade, then after it, and releases each count once', () => {
    const a = new Admission(new SocketCounter(2, 10), new SocketCounter(1, 10));
    const s1 = socket();
    const s2 = socket();
    expect(a.accept(s1, 'x')).toBe(true);
    expect(a.accept(s2, 'x')).toBe(true);
    expect(a.accept(socket(), 'x')).toBe(false); // 2 per address before the upgrade
    a.upgraded(s1);
    a.upgraded(s1); // a second look releases nothing more
    expect(a.accept(socket(), 'x')).toBe(true);
    a.opened(s1, 'client');
    expect(a.open.refusal('client')).toMatch(/this address/);
    s1.emit('close');
    s1.emit('close');
    expect(a.open.refusal('client')).toBeNull();
    // s2 closes without an upgrade: its place before the upgrade is free again.
    s2.emit('close');
    expect(a.accept(socket(), 'x')).toBe(true);
    expect(a.accept(socket(), 'x')).toBe(false);
  });

  it('shares one close listener among all connections', () => {
    const a = new Admission(new SocketCounter(10, 10), new SocketCounter(10, 10));
    const s1 = socket();
    const s2 = socket();
    a.accept(s1, 'x');
    a.accept(s2, 'y');
    expect(s1.listeners('close')).toHaveLength(1);
    expect(s1.listeners('close')[0]).toBe(s2.listeners('close')[0]);
  });
});
