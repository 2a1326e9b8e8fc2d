import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RawClient, crowd } from '../support/client.js';
import { serve } from '../support/server.js';

describe('room limits over the wire', () => {
  it('at the real default, the 21st visible user gets ROOM_FULL; an invisible one still gets in', async () => {
    const { url } = await serve();
    const members = await crowd(url, 'big', 20);
    const extra = await RawClient.connect(url);
    expect(await extra.join('big', 'u20')).toMatchObject({ ok: false, error: { code: CODES.ROOM_FULL } });
    const ghost = await RawClient.connect(url);
    const j = await ghost.join('big', 'ghost', { visible: false });
    expect(j.ok).toBe(true);
    expect(j.data.peers).toHaveLength(20);
    // One leaves, the refused user gets in, and is told of the 19 others.
    await members[0]!.request('leave');
    const j2 = await extra.join('big', 'u20');
    expect(j2.ok).toBe(true);
    expect(j2.data.peers).toHaveLength(19);
  });

  it('with small configured limits: visible, publishers and invisible users', async () => {
    const { url } = await serve({ limits: { maxVisible: 2, maxPublishers: 1, maxInvisible: 1 } });
    const [a, b] = await crowd(url, 'r', 2);
    const c = await RawClient.connect(url);
    expect(await c.join('r', 'c')).toMatchObject({ ok: false, error: { code: CODES.ROOM_FULL } });
    expect((await a!.request('publish', { screen: false })).ok).toBe(true);
    expect(await b!.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.PUBLISHER_LIMIT } });
    expect((await c.join('r', 'c', { visible: false })).ok).toBe(true);
    const d = await RawClient.connect(url);
    expect(await d.join('r', 'd', { visible: false })).toMatchObject({ ok: false, error: { code: CODES.INVISIBLE_LIMIT } });
    expect(await c.request('setVisibility', { visible: true })).toMatchObject({ ok: false, error: { code: CODES.ROOM_FULL } });
  });

  it('at the real default, the 9th publisher gets PUBLISHER_LIMIT', async () => {
    const { url } = await serve();
    const members = await crowd(url, 'stage', 9);
    for (const m of members.slice(0, 8)) expect((await m.request('publish', { screen: false })).ok).toBe(true);
    expect(await members[8]!.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.PUBLISHER_LIMIT } });
  });
});
