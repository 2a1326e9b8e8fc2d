import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { ServerEvents, type ServerEvent } from '../../src/ops/events.js';
import { observed } from '../../src/ops/observe.js';

const ok = async () => ({ ok: true as const, data: {} });

describe('request observer', () => {
  it('costs nothing while nobody listens: the work itself is run', () => {
    const events = new ServerEvents();
    expect(observed(events, '1.2.3.4', { type: 'publish' }, () => undefined, ok)).toBe(ok);
    expect(observed(undefined, '1.2.3.4', { type: 'publish' }, () => undefined, ok)).toBe(ok);
  });

  it('reports type, outcome, code and who, and copies no other field of the request', async () => {
    const events = new ServerEvents();
    const seen: ServerEvent[] = [];
    events.on((e) => seen.push(e));
    const join = { type: 'join', appId: 'A'.repeat(24), roomId: 'r', userId: 'u', token: 'TOKEN-SECRET', businessId: 'b' };
    await observed(
      events,
      'ip',
      join,
      () => undefined,
      async () => ({ ok: false as const, error: { code: CODES.TOKEN_INVALID, reason: 'bad' } }),
    )();
    const resume = { type: 'resume', sessionId: 's', resumeToken: 'RESUME-SECRET', lastSeq: 3 };
    await observed(events, 'ip', resume, () => ({ appId: 'A'.repeat(24), roomId: 'r', userId: 'u' }), ok)();
    await expect(
      observed(
        events,
        'ip',
        { type: 'leave' },
        () => undefined,
        async () => Promise.reject(new Error('boom')),
      )(),
    ).rejects.toThrow('boom');
    expect(seen).toMatchObject([
      { type: 'request', request: 'join', ok: false, code: CODES.TOKEN_INVALID, reason: 'bad', ip: 'ip', appId: 'A'.repeat(24), roomId: 'r', userId: 'u' },
      { type: 'request', request: 'resume', ok: true, roomId: 'r', userId: 'u' },
      { type: 'request', request: 'leave', ok: false, code: CODES.SERVER_ERROR },
    ]);
    const text = JSON.stringify(seen);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('businessId');
  });
});
