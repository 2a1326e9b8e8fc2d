// The real SDK through a real resume when its event numbers have gaps. The server numbers events
// per room (one entry, one frame for every recipient), so a session's numbers skip the events it
// did not hear: its own actions, and events meant for someone else. The runtime must deliver
// every event it was sent exactly once, in order, across the drop and the replay.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { RawClient } from '../../server/test/support/client.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import type { TransportFactory } from '../../src/runtime/transport/types.js';
import { EVENTS } from '../../src/generated/events.js';
import { ChaosProxy } from '../support/chaos-proxy.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { watch, wsTransport } from '../support/runtime-harness.js';

const FAST = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, requestTimeoutMs: 3000, reconnect: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 50 } };
const stats = (rt: ClientRuntime) => (rt as unknown as { stats: { resumes: number; freshJoins: number } }).stats;

/** The standard transport, noting the seq of every event frame the runtime receives. */
function recording(seqs: number[]): TransportFactory {
  return (url, h) =>
    wsTransport(url, {
      onOpen: () => h.onOpen(),
      onMessage: (d) => {
        const f = d === undefined ? undefined : (JSON.parse(d) as { type?: string; seq?: unknown });
        if (f?.type === 'event' && typeof f.seq === 'number') seqs.push(f.seq);
        h.onMessage(d);
      },
      onClose: (code, reason) => h.onClose(code, reason),
      onError: (m) => h.onError(m),
    });
}

describe('resume with gaps in the event numbers', () => {
  let server: RunningServer | undefined;
  let proxy: ChaosProxy | undefined;
  const clients: ClientRuntime[] = [];
  const raw: RawClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
    for (const r of raw.splice(0)) r.ws.terminate();
    await proxy?.close();
    await server?.close();
  });

  it('replays what was missed, skipping numbers meant for others, each event delivered once', async () => {
    server = await startRealServer({ resumeGraceMs: 10_000 });
    proxy = await ChaosProxy.start({ host: '127.0.0.1', port: server.port });
    const seqs: number[] = [];
    const alice = createRuntime({ server: proxy.url(), ...FAST, transport: recording(seqs) });
    const bob = createRuntime({ server: server.url, transport: wsTransport, ...FAST });
    clients.push(alice, bob);
    const heard = [EVENTS.PEER_ONLINE, EVENTS.STREAM_ADDED, EVENTS.MUTE_AUDIO, EVENTS.UNMUTE_AUDIO, EVENTS.TOKEN_WILL_EXPIRE, EVENTS.CONNECTION_STATE_CHANGED];
    const wa = watch(alice, heard);
    const wb = watch(bob, heard);
    await alice.init(E2E_APP_ID);
    await bob.init(E2E_APP_ID);
    await bob.join(mintToken('g1', 'bob'), 'g1', 'bob');
    await bob.publish();
    await alice.join(mintToken('g1', 'alice'), 'g1', 'alice');
    // alice's own actions are room events she does not hear: gaps in her numbers.
    await alice.publish();
    await alice.muteLocal({ audio: true, video: false });
    await wb.next(EVENTS.MUTE_AUDIO, (p) => p.uid === 'alice');
    await bob.muteLocal({ audio: true, video: false });
    await wa.next(EVENTS.MUTE_AUDIO, (p) => p.uid === 'bob');
    const beforeDrop = seqs.length;
    // Her first number is bob's mute: the three before it were bob's alone (her join, publish, mute).
    expect(seqs).toEqual([4]);

    proxy.refuse(true);
    proxy.dropAll();
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'reconnecting');
    // While alice is away: bob unmutes; dave joins with a token already inside its warning time,
    // so dave alone hears token-will-expire (a number alice never gets); bob mutes again.
    await bob.muteLocal({ audio: false, video: false });
    const dave = await RawClient.connect(server.url);
    raw.push(dave);
    const expireAt = Math.floor(Date.now() / 1000) + 25;
    expect((await dave.join('g1', 'dave', { appId: E2E_APP_ID, token: mintToken('g1', 'dave', { expireAt }) })).ok).toBe(true);
    const warned = await dave.waitEvent('token-will-expire');
    await bob.muteLocal({ audio: true, video: false });
    await dave.waitEvent('mute-audio');
    proxy.refuse(false);
    await wa.next(EVENTS.CONNECTION_STATE_CHANGED, (p) => p.state === 'connected' && p.prevState === 'reconnecting');
    await wa.next(EVENTS.MUTE_AUDIO, (p) => p.uid === 'bob' && wa.of(EVENTS.MUTE_AUDIO).length === 2);

    expect(stats(alice)).toMatchObject({ resumes: 1, freshJoins: 0 });
    const replayed = seqs.slice(beforeDrop);
    expect(replayed).toHaveLength(3);
    // dave's warning sits between the last two: alice's replay skips its number.
    expect(replayed[2]! - replayed[1]!).toBeGreaterThan(1);
    expect(replayed).not.toContain(warned.seq);
    // Once each, in order, as the app sees it.
    const seen = wa.seen.filter((s) => s.event !== EVENTS.CONNECTION_STATE_CHANGED).map((s) => [s.event, s.payload.uid]);
    expect(seen).toEqual([
      [EVENTS.PEER_ONLINE, 'bob'],
      [EVENTS.STREAM_ADDED, 'bob'],
      [EVENTS.MUTE_AUDIO, 'bob'],
      [EVENTS.UNMUTE_AUDIO, 'bob'],
      [EVENTS.PEER_ONLINE, 'dave'],
      [EVENTS.MUTE_AUDIO, 'bob'],
    ]);
  });
});
