// Report storage: bounded per user (items, bytes) and across users (bytes), released a retention
// period after the session ends; and over the wire, released after leave.
import { describe, expect, it } from 'vitest';
import type { ReportItem } from '@mprtc/protocol';
import { ReportStore } from '../../src/reports/store.js';
import { APP_ID, RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

// `at` from 10000 on: every item of a test has the same JSON length.
const item = (at: number, message = ''): ReportItem => ({ kind: 'pusherState', at: 10_000 + at, code: 1002, message });
const size = JSON.stringify(item(0, 'x'.repeat(100))).length;

describe('ReportStore bounds', () => {
  it('per user: the newest items within both the item and the byte limit', () => {
    const s = new ReportStore({ perUser: 100, bytesPerUser: size * 5 });
    s.add('app', 'r', 'u', Array.from({ length: 8 }, (_, i) => item(i, 'x'.repeat(100))));
    expect(s.query({ appId: 'app' }).map((r) => r.item.at - 10_000)).toEqual([3, 4, 5, 6, 7]);
    expect(s.bytes).toBe(size * 5);
  });

  it('in total: the oldest items across users go first, whoever sent them', () => {
    const s = new ReportStore({ bytesTotal: size * 6 });
    for (let i = 0; i < 12; i++) s.add('app', 'r', `u${i % 3}`, [item(i, 'x'.repeat(100))]);
    expect(s.query({ appId: 'app' }).map((r) => r.item.at - 10_000).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(s.bytes).toBe(size * 6);
  });

  it('unbounded user ids cannot grow it past the total', () => {
    const s = new ReportStore({ bytesTotal: 64 * 1024 });
    for (let i = 0; i < 20_000; i++) s.add('app', 'r', `user-${i}`, [item(i, 'x'.repeat(100))]);
    expect(s.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(s.query({ appId: 'app' }).length).toBe(Math.floor((64 * 1024) / size));
  });

  it('a session end releases that room\'s items after the retention period; a rejoin\'s items stay', () => {
    const s = new ReportStore({ retentionMs: 1000 });
    s.add('app', 'r', 'u', [item(1)], 0);
    s.add('app', 'other', 'u', [item(2)], 0);
    s.sessionEnded('app', 'r', 'u', 100);
    expect(s.query({ appId: 'app', userId: 'u' }, 1099).map((r) => r.item.at - 10_000)).toEqual([1, 2]);
    s.add('app', 'r', 'u', [item(3)], 500); // joined again
    expect(s.query({ appId: 'app', userId: 'u' }, 1100).map((r) => r.item.at - 10_000)).toEqual([2, 3]);
    expect(s.bytes).toBe(2 * JSON.stringify(item(1)).length);
  });

  it('retention 0 releases at once', () => {
    const s = new ReportStore({ retentionMs: 0 });
    s.add('app', 'r', 'u', [item(1)]);
    s.sessionEnded('app', 'r', 'u');
    expect(s.query({ appId: 'app' })).toEqual([]);
    expect(s.bytes).toBe(0);
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
