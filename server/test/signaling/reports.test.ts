// Report storage: bounded per user (items, bytes) and across users (bytes), released a retention
// period after the session ends; and over the wire, released after leave.
import { describe, expect, it } from 'vitest';
import type { ReportItem } from '@mprtc/protocol';
import { ReportStore, reportCost } from '../../src/reports/store.js';
import { APP_ID, RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

// `at` from 10000 on: every item of a test has the same JSON length.
const item = (at: number, message = ''): ReportItem => ({ kind: 'pusherState', at: 10_000 + at, code: 1002, message });
const size = reportCost(item(0, 'x'.repeat(100)));

describe('ReportStore bounds', () => {
  it('per user: the newest items within both the item and the byte limit', () => {
    const s = new ReportStore({ perUser: 100, bytesPerUser: size * 5 });
    s.add(
      'app',
      'r',
      'u',
      Array.from({ length: 8 }, (_, i) => item(i, 'x'.repeat(100))),
    );
    expect(s.query({ appId: 'app' }).map((r) => r.item.at - 10_000)).toEqual([3, 4, 5, 6, 7]);
    expect(s.bytes).toBe(size * 5);
  });

  it('in total: the oldest items across users go first, whoever sent them', () => {
    const s = new ReportStore({ bytesTotal: size * 6 });
    for (let i = 0; i < 12; i++) s.add('app', 'r', `u${i % 3}`, [item(i, 'x'.repeat(100))]);
    expect(
      s
        .query({ appId: 'app' })
        .map((r) => r.item.at - 10_000)
        .sort((a, b) => a - b),
    ).toEqual([6, 7, 8, 9, 10, 11]);
    expect(s.bytes).toBe(size * 6);
  });

  it('unbounded user ids cannot grow it past the total', () => {
    const s = new ReportStore({ bytesTotal: 64 * 1024 });
    for (let i = 0; i < 20_000; i++) s.add('app', 'r', `user-${i}`, [item(i, 'x'.repeat(100))]);
    expect(s.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(s.query({ appId: 'app' }).length).toBe(Math.floor((64 * 1024) / size));
  });

  it("a session end releases that room's items after the retention period; a rejoin's items stay", () => {
    const s = new ReportStore({ retentionMs: 1000 });
    s.add('app', 'r', 'u', [item(1)], 0);
    s.add('app', 'other', 'u', [item(2)], 0);
    s.sessionEnded('app', 'r', 'u', 100);
    expect(s.query({ appId: 'app', userId: 'u' }, 1099).map((r) => r.item.at - 10_000)).toEqual([1, 2]);
    s.add('app', 'r', 'u', [item(3)], 500); // joined again
    expect(s.query({ appId: 'app', userId: 'u' }, 1100).map((r) => r.item.at - 10_000)).toEqual([2, 3]);
    expect(s.bytes).toBe(2 * reportCost(item(1)));
  });

  it('retention 0 releases at once', () => {
    const s = new ReportStore({ retentionMs: 0 });
    s.add('app', 'r', 'u', [item(1)]);
    s.sessionEnded('app', 'r', 'u');
    expect(s.query({ appId: 'app' })).toEqual([]);
    expect(s.bytes).toBe(0);
  });
});

describe('what a report item counts', () => {
  it('net status is kept flat: at most 32 primitive fields, strings cut, nested values and odd keys dropped', async () => {
    const { url, server } = await serve();
    const c = await RawClient.connect(url);
    await c.join('r', 'a');
    const info: Record<string, unknown> = { nested: { deep: [1, 2] }, list: [1], ['__proto__']: 1, 'bad key': 1, s: 'y'.repeat(1000), ok: true };
    for (let k = 0; k < 100; k++) info[`f${k}`] = k;
    expect(await c.request('report', { items: [{ kind: 'pusherNet', at: 1, info }] })).toMatchObject({ ok: true, data: { accepted: 1 } });
    const [kept] = server.reports.query({ appId: APP_ID });
    const stored = (kept!.item as { info: Record<string, unknown> }).info;
    expect(Object.keys(stored)).toHaveLength(32);
    expect(stored).toMatchObject({ s: 'y'.repeat(128), ok: true, f0: 0 });
    expect(Object.keys(stored)).not.toContain('nested');
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
  });

  it('counts at least the heap an item takes: the total bounds memory, not just JSON', () => {
    const s = new ReportStore({ bytesTotal: 1024 * 1024, bytesPerUser: 1e9, perUser: 1e9 });
    const many: Record<string, number> = {};
    for (let k = 0; k < 32; k++) many[`k${k}`] = k + 0.5;
    for (let i = 0; i < 10_000; i++) s.add('app', 'r', `u${i}`, [{ kind: 'pusherNet', at: i, info: many }]);
    expect(s.bytes).toBeLessThanOrEqual(1024 * 1024);
    // Each counts well over its JSON length: fewer are kept than the JSON alone would allow.
    const json = JSON.stringify({ kind: 'pusherNet', at: 9999, info: many }).length;
    expect(s.query({ appId: 'app' }).length).toBeLessThan((1024 * 1024) / json / 1.5);
  });
});

describe('reports over the wire', () => {
  it('are released after leave and after the grace period of a drop', async () => {
    const { url, server } = await serve({ reportRetentionMs: 0, resumeGraceMs: 50 });
    const a = await RawClient.connect(url);
    const b = await RawClient.connect(url);
    await a.join('r', 'a');
    await b.join('r', 'b');
    for (const c of [a, b]) expect((await c.request('report', { items: [item(1)] })).ok).toBe(true);
    expect(server.reports.query({ appId: APP_ID }).length).toBe(2);
    await a.request('leave');
    expect(server.reports.query({ appId: APP_ID }).map((r) => r.userId)).toEqual(['b']);
    b.ws.terminate();
    await a.join('r', 'a');
    await a.waitEvent('peer-leave', (d) => d.uid === 'b');
    expect(server.reports.query({ appId: APP_ID })).toEqual([]);
  });
});
