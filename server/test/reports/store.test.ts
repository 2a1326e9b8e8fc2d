import { describe, expect, it } from 'vitest';
import { ReportStore } from '../../src/reports/store.js';

const item = (at: number) => ({ kind: 'pusherState' as const, at, code: 1001, message: 'pushing' });

describe('ReportStore sessions', () => {
  it('releases what a user reported once its session ended and the retention passed', () => {
    const s = new ReportStore({ retentionMs: 1000 });
    s.add('app', 'room', 'alice', [item(1)], 10);
    s.sessionEnded('app', 'room', 'alice', 20);
    expect(s.query({ appId: 'app' }, 500)).toHaveLength(1);
    expect(s.query({ appId: 'app' }, 1020)).toHaveLength(0);
    expect(s.bytes).toBe(0);
  });

  it('keeps nothing for the many sessions that end without a report', () => {
    const s = new ReportStore({ retentionMs: 60_000 });
    for (let i = 0; i < 5000; i++) s.sessionEnded('app', 'room', `u${i}`, 100 + i);
    // Internal, but the point of the test: an entry per ended session would grow with every leave.
    expect((s as unknown as { ended: Map<string, number> }).ended.size).toBe(0);
    // A user who reports after an earlier report-less session is not released by that session.
    s.add('app', 'room', 'u1', [item(2)], 70_000);
    expect(s.query({ appId: 'app', userId: 'u1' }, 200_000)).toHaveLength(1);
  });
});
