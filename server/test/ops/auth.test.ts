import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DashboardSessions, FailureLimiter, SecretCheck, parseCookies } from '../../src/ops/auth.js';
import { SECRET, serveWithAdmin } from './support.js';

describe('admin auth parts', () => {
  it('SecretCheck: only the exact secret matches; short secrets are refused', () => {
    const s = new SecretCheck('0123456789abcdef');
    expect(s.matches('0123456789abcdef')).toBe(true);
    for (const c of ['', '0123456789abcde', '0123456789abcdefg', '0123456789ABCDEF', ' 0123456789abcdef']) expect(s.matches(c)).toBe(false);
    expect(() => new SecretCheck('0123456789abcde')).toThrow(/16/);
  });

  it('DashboardSessions: random ids, valid until their expiry, bounded in number, ended on logout', () => {
    let now = 1_000;
    const sessions = new DashboardSessions(60_000, 3, () => now);
    const a = sessions.create();
    const b = sessions.create();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.valid(a)).toBe(true);
    expect(sessions.valid(a + 'x')).toBe(false);
    expect(sessions.valid(undefined)).toBe(false);
    expect(sessions.valid('x'.repeat(1000))).toBe(false);
    now += 60_000;
    expect(sessions.valid(a)).toBe(false);
    const c = sessions.create();
    const d = sessions.create();
    const e = sessions.create();
    const f = sessions.create(); // a fourth: the oldest (c) goes
    expect([c, d, e, f].map((id) => sessions.valid(id))).toEqual([false, true, true, true]);
    sessions.end(e);
    expect(sessions.valid(e)).toBe(false);
  });

  it('FailureLimiter: blocks an address after max failures within the window, others unaffected', () => {
    let now = 0;
    const l = new FailureLimiter(2, 1000, () => now);
    l.fail('a');
    expect(l.blocked('a')).toBe(false);
    l.fail('a');
    expect(l.blocked('a')).toBe(true);
    expect(l.blocked('b')).toBe(false);
    now = 1000;
    expect(l.blocked('a')).toBe(false);
  });

  it('parseCookies reads pairs and ignores an oversized header', () => {
    expect(parseCookies('a=1; mprtc_admin=xyz; junk')).toEqual(
      new Map([
        ['a', '1'],
        ['mprtc_admin', 'xyz'],
      ]),
    );
    expect(parseCookies('a=' + 'x'.repeat(9000)).size).toBe(0);
  });
});

describe('admin port: slow clients', () => {
  it('closes a request that does not arrive whole within requestTimeoutMs', async () => {
    const { server } = await serveWithAdmin({}, { requestTimeoutMs: 300 });
    const socket = connect(server.admin!.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.on('data', (d) => (answer += String(d)));
    // Headers, then a body that never comes.
    socket.write(`POST /admin/api/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nContent-Length: 100\r\n\r\n{`);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Node cuts the socket (or answers 408 first, depending on how far the request got).
    expect(answer === '' || answer.startsWith('HTTP/1.1 408'), answer).toBe(true);
  });
});
