// Token expiry follows a session across nodes: its timer lives with the socket, so the node a
// session resumed on enforces it, from the expiry the room holds (updateToken on the first node
// moved it there).
import { afterEach, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis } from '../../../test/support/redis.js';
import { RawClient, token } from '../support/client.js';
import { ServeNode } from './support.js';

describe.runIf(needs(['redis-server'], 'cluster token expiry'))('token expiry across nodes', () => {
  let redis: TestRedis | undefined;
  let nodes: ServeNode[] = [];
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const r of raws.splice(0)) r.ws.terminate();
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
    await redis?.stop();
  });

  /** `tokens` is asked once Redis and the nodes run: their start may take seconds on a loaded machine. */
  async function resumedOnNode1(room: string, tokens: () => { expireAt: number; renewTo?: number }) {
    redis = await TestRedis.start();
    nodes = await Promise.all([0, 1].map(() => ServeNode.start(redis!.url, { graceMs: 15_000 })));
    const { expireAt, renewTo } = tokens();
    const a = await RawClient.connect(nodes[0]!.url);
    const b = await RawClient.connect(nodes[1]!.url);
    raws.push(a, b);
    const ja = await a.join(room, 'a', { token: token(room, 'a', { expireAt }) });
    expect(ja.ok, JSON.stringify(ja.error)).toBe(true);
    expect((await b.join(room, 'b')).ok).toBe(true);
    if (renewTo !== undefined) expect((await a.request('updateToken', { token: token(room, 'a', { expireAt: renewTo }) })).ok).toBe(true);
    await a.waitEvent('peer-online');
    const last = a.lastSeq;
    await nodes[0]!.kill();
    const a2 = await RawClient.connect(nodes[1]!.url);
    raws.push(a2);
    const res = await a2.request('resume', { sessionId: ja.data.sessionId, resumeToken: ja.data.resumeToken, lastSeq: last });
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    return { a2, b, res };
  }

  it('the node a session resumed on removes it when its token expires', async () => {
    let expireAt = 0;
    const { a2, b, res } = await resumedOnNode1('exp', () => ({ expireAt: (expireAt = Math.floor(Date.now() / 1000) + 4) }));
    expect(res.data.tokenExpireAt).toBe(expireAt);
    const bye = await a2.waitEvent('disconnect');
    expect(bye.data.code).toBe(CODES.TOKEN_EXPIRED);
    expect((await a2.waitClose()).code).toBe(4002);
    await b.waitEvent('peer-leave', (d) => d.uid === 'a');
    expect(b.events('peer-leave').map((f) => f.data)).toEqual([{ uid: 'a', reason: 'token-expired' }]);
  });

  it('an expiry renewed on the first node holds on the second', async () => {
    let soon = 0;
    let later = 0;
    const { a2, b, res } = await resumedOnNode1('renewed', () => {
      soon = Math.floor(Date.now() / 1000) + 2;
      later = soon + 600;
      return { expireAt: soon, renewTo: later };
    });
    expect(res.data.tokenExpireAt).toBe(later);
    // Past the first token's expiry (and its one-second grace), the session still answers.
    while (Date.now() < (soon + 2) * 1000) await new Promise((r) => setTimeout(r, 200));
    // (ids go on across the session's sockets: a repeated id would be answered as a resend)
    expect((await a2.requestWithId(100, 'setVisibility', { visible: false })).ok).toBe(true);
    await b.waitEvent('peer-leave', (d) => d.uid === 'a' && d.reason === 'invisible');
    expect(a2.events('disconnect')).toEqual([]);
  });
});
