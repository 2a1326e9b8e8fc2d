import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { APP_ID, RawClient, type Frame } from '../support/client.js';
import { serve, settle } from '../support/server.js';

// Sessions outliving their sockets: grace period, resume, replay, resent requests, refusals.

async function pair(url: string) {
  const alice = await RawClient.connect(url);
  const bob = await RawClient.connect(url);
  const ja = await alice.join('room1', 'alice');
  await bob.join('room1', 'bob');
  await alice.waitEvent('peer-online');
  return { alice, bob, session: ja.data as { sessionId: string; resumeToken: string } };
}

async function resume(url: string, s: { sessionId: string; resumeToken: string }, lastSeq: number): Promise<{ c: RawClient; r: Frame }> {
  const c = await RawClient.connect(url);
  const r = await c.request('resume', { sessionId: s.sessionId, resumeToken: s.resumeToken, lastSeq });
  return { c, r };
}

const roomOf = async (server: { rooms: { inspect(k: { appId: string; roomId: string }): Promise<any> } }) =>
  server.rooms.inspect({ appId: APP_ID, roomId: 'room1' });

describe('resume within the grace period', () => {
  it('a drop shorter than the grace period is invisible to the others, and the missed events are replayed', async () => {
    const { url, server } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob, session } = await pair(url);
    expect(typeof session.resumeToken).toBe('string');
    const seen = alice.lastSeq;
    alice.ws.terminate();
    // While alice is away: bob publishes and mutes; alice is still a member.
    await bob.request('publish', { screen: false });
    await bob.request('muteLocal', { audio: true, video: false });
    expect((await roomOf(server)).members.map((m: { userId: string }) => m.userId)).toEqual(['alice', 'bob']);
    const { c, r } = await resume(url, session, seen);
    expect(r).toMatchObject({ ok: true, data: { sessionId: session.sessionId, replayed: 2 } });
    await c.waitEvent('mute-audio');
    expect(c.events().map((f) => [f.event, f.seq])).toEqual([
      ['stream-added', seen + 1],
      ['mute-audio', seen + 2],
    ]);
    // The session works on the new socket, and bob never heard alice leave or come back.
    expect((await c.request('subscribe', { userId: 'bob' })).ok).toBe(true);
    await bob.sync();
    expect(bob.events('peer-leave')).toEqual([]);
    expect(bob.events('peer-online')).toEqual([]);
    expect(server.stats()).toMatchObject({ sessions: 2 });
  });

  it('a drop longer than the grace period is a leave (timeout); the resume is then refused', async () => {
    const { url, server } = await serve({ resumeGraceMs: 150 });
    const { alice, bob, session } = await pair(url);
    alice.ws.terminate();
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
    const { r } = await resume(url, session, 0);
    expect(r).toMatchObject({ ok: false, error: { code: CODES.NOT_IN_ROOM } });
    expect(server.stats().sessions).toBe(1);
  });

  it('a resume while the old socket is still open (half-open link) moves the session and closes the old socket (4004)', async () => {
    const { url, server } = await serve();
    const { alice, bob, session } = await pair(url);
    const { c, r } = await resume(url, session, alice.lastSeq);
    expect(r.ok).toBe(true);
    expect((await alice.waitClose()).code).toBe(4004);
    await bob.request('publish', { screen: false });
    await c.waitEvent('stream-added');
    await settle();
    expect(alice.events('stream-added')).toEqual([]);
    expect(bob.events('peer-leave')).toEqual([]);
    expect((await roomOf(server)).members).toHaveLength(2);
  });

  it('a request resent after a resume with the same id gets the first answer and is not applied twice', async () => {
    const { url, media } = await serve();
    const { alice, bob, session } = await pair(url);
    const first = await alice.requestWithId(50, 'publish', { screen: false });
    expect(first.ok).toBe(true);
    alice.ws.terminate();
    const { c } = await resume(url, session, alice.lastSeq);
    const again = await c.requestWithId(50, 'publish', { screen: false });
    expect(again).toMatchObject({ ok: true, data: { url: first.data.url } });
    // A new id is a new request: now it is refused. So is an id reused on the same socket
    // once answered (ids need only be unique among pending requests).
    expect(await c.requestWithId(51, 'publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.ALREADY_PUBLISHED } });
    expect(await c.requestWithId(51, 'unpublish', { screen: false })).toMatchObject({ ok: true });
    expect(await c.requestWithId(51, 'unpublish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.NOT_PUBLISHED } });
    await bob.sync();
    expect(bob.events('stream-added')).toHaveLength(1);
    expect(bob.events('stream-removed')).toHaveLength(1);
    expect(media.of('issuePushUrl')).toHaveLength(1);
  });

  it('after a takeover the old session resumes to KICKED, so the old client does not take the seat back', async () => {
    const { url } = await serve();
    const { alice, session } = await pair(url);
    alice.ws.terminate();
    const newer = await RawClient.connect(url);
    expect((await newer.join('room1', 'alice')).ok).toBe(true);
    const { r } = await resume(url, session, 0);
    expect(r).toMatchObject({ ok: false, error: { code: CODES.KICKED } });
  });

  it('a client further behind than the 512 kept events is told to join again', async () => {
    const { url } = await serve({ messageRate: { perSecond: 1e6, burst: 1_000_000 } }); // 600 quick requests on purpose
    const { alice, bob, session } = await pair(url);
    await bob.request('publish', { screen: false });
    alice.ws.terminate();
    for (let i = 0; i < 600; i++) await bob.request('muteLocal', { audio: i % 2 === 0, video: false });
    const { r } = await resume(url, session, 0);
    expect(r).toMatchObject({ ok: false, error: { code: CODES.NOT_IN_ROOM } });
  });

  it('with resumeGraceMs 0 a drop is a leave at once', async () => {
    const { url } = await serve({ resumeGraceMs: 0 });
    const { alice, bob } = await pair(url);
    alice.ws.terminate();
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
  });
});

describe("the room's event log: each resume replays exactly what the session was sent", () => {
  /** What a session was sent, as [event, data, seq]: what its replay from 0 must equal. */
  const sent = (c: RawClient) => c.events().map((f) => [f.event, f.data, f.seq]);

  it('numbers increase per session with gaps (the events it did not hear); one event has one seq for all', async () => {
    const { url } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob } = await pair(url);
    const carol = await RawClient.connect(url);
    await carol.join('room1', 'carol');
    await alice.request('publish', { screen: false });
    await bob.request('publish', { screen: false });
    await carol.request('publish', { screen: false });
    await Promise.all([alice.sync(), bob.sync(), carol.sync()]);
    const seqs = (c: RawClient) => c.events().map((f) => f.seq as number);
    for (const c of [alice, bob, carol]) {
      const s = seqs(c);
      expect(s).toEqual([...s].sort((x, y) => x - y));
      expect(new Set(s).size).toBe(s.length);
    }
    // carol's stream-added reached alice and bob under one number.
    const bySeq = (c: RawClient) => c.events('stream-added').find((f) => f.data.uid === 'carol')!.seq;
    expect(bySeq(alice)).toBe(bySeq(bob));
    // alice did not hear her own publish: bob's numbers have a gap there.
    expect(seqs(bob).at(-1)! - seqs(bob)[0]!).toBeGreaterThan(seqs(bob).length - 1);
  });

  it('an actor is not replayed its own events; a member is not replayed what happened before it joined', async () => {
    const { url } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob, session } = await pair(url);
    await alice.request('publish', { screen: false });
    await alice.request('muteLocal', { audio: true, video: false });
    const carol = await RawClient.connect(url);
    const jc = await carol.join('room1', 'carol');
    await bob.request('publish', { screen: false }); // heard by alice and carol
    await Promise.all([alice.sync(), carol.sync()]);
    alice.ws.terminate();
    carol.ws.terminate();
    await bob.request('muteLocal', { audio: true, video: false }); // while both are away
    const ra = await resume(url, session, 0);
    expect(ra.r).toMatchObject({ ok: true, data: { replayed: sent(alice).length + 1 } });
    const missed = await ra.c.waitEvent('mute-audio');
    expect(sent(ra.c)).toEqual([...sent(alice), ['mute-audio', { uid: 'bob', screen: false }, missed.seq]]);
    expect(ra.c.events().map((f) => f.data.uid)).not.toContain('alice');
    const rc = await resume(url, jc.data, 0);
    expect(rc.r).toMatchObject({ ok: true, data: { replayed: sent(carol).length + 1 } });
    await rc.c.waitEvent('mute-audio');
    expect(sent(rc.c).slice(0, -1)).toEqual(sent(carol));
    // Nothing of alice's (publish, mute) from before carol joined.
    expect(rc.c.events().filter((f) => f.data.uid === 'alice')).toEqual([]);
  });

  it('a new session in a reused slot is not replayed the events of the session that had it', async () => {
    const { url } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob } = await pair(url);
    const dave = await RawClient.connect(url);
    await dave.join('room1', 'dave');
    await alice.request('publish', { screen: false });
    await bob.request('publish', { screen: false });
    await dave.waitEvent('stream-added', (d) => d.uid === 'bob');
    expect(dave.events()).toHaveLength(2);
    expect((await dave.request('leave')).ok).toBe(true);
    // erin takes dave's slot (the one freed last), hears one event, drops, and asks for all.
    const erin = await RawClient.connect(url);
    const je = await erin.join('room1', 'erin');
    await alice.request('muteLocal', { audio: true, video: false });
    const heard = await erin.waitEvent('mute-audio');
    erin.ws.terminate();
    const { c, r } = await resume(url, je.data, 0);
    expect(r).toMatchObject({ ok: true, data: { replayed: 1 } });
    await c.waitEvent('mute-audio');
    expect(c.events()).toEqual([heard]);
  });

  it('an event to one session (stream-failed) is replayed to it only', async () => {
    const { url, media } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob, session } = await pair(url);
    const jb = await bob.request('leave').then(() => bob.join('room1', 'bob'));
    await alice.waitEvent('peer-online', (d) => d.uid === 'bob');
    await alice.request('publish', { screen: false });
    await bob.waitEvent('stream-added');
    alice.ws.terminate();
    bob.ws.terminate();
    media.emit({ type: 'push-stopped', key: { appId: APP_ID, roomId: 'room1', userId: 'alice', screen: false }, reason: 'gone' });
    await settle();
    const rb = await resume(url, jb.data, 0);
    expect(rb.r.ok).toBe(true);
    await rb.c.waitEvent('stream-removed');
    expect(rb.c.events().map((f) => f.event)).toEqual(['stream-added', 'stream-removed']);
    const ra = await resume(url, session, alice.lastSeq);
    expect(ra.r).toMatchObject({ ok: true, data: { replayed: 1 } });
    expect((await ra.c.waitEvent('stream-failed')).data).toMatchObject({ uid: 'alice', reason: 'gone' });
  });

  it('a session that heard nothing of what the log dropped still resumes; one that did must join again', async () => {
    const { url } = await serve({ resumeGraceMs: 5_000, messageRate: { perSecond: 1e6, burst: 1_000_000 } });
    const { alice, bob, session } = await pair(url);
    await bob.request('publish', { screen: false });
    await alice.waitEvent('stream-added');
    const jb = (await bob.request('leave').then(() => bob.join('room1', 'bob'))).data;
    await alice.waitEvent('peer-online', (d) => d.uid === 'bob' && alice.events('peer-online').length === 2);
    const seen = alice.lastSeq;
    await alice.request('publish', { screen: false });
    await bob.waitEvent('stream-added');
    const bobSeen = bob.lastSeq;
    // alice toggles 600 times: 600 entries only bob heard, and bob is away.
    bob.ws.terminate();
    for (let i = 0; i < 600; i++) await alice.request('muteLocal', { audio: i % 2 === 0, video: false });
    alice.ws.terminate();
    const ra = await resume(url, session, seen);
    expect(ra.r).toMatchObject({ ok: true, data: { replayed: 0 } });
    const rb = await resume(url, jb, bobSeen);
    expect(rb.r).toMatchObject({ ok: false, error: { code: CODES.NOT_IN_ROOM } });
  });

  it('one event after a long quiet spell, lost with the socket, is replayed (not a refusal)', async () => {
    const { url } = await serve({ resumeGraceMs: 5_000, messageRate: { perSecond: 1e6, burst: 1_000_000 } });
    const { alice, bob, session } = await pair(url);
    await alice.request('publish', { screen: false });
    await bob.request('publish', { screen: false });
    await alice.waitEvent('stream-added');
    const seen = alice.lastSeq;
    // 600 entries alice does not hear (her own), then one she does; she resumes as if her socket
    // had never delivered it.
    for (let i = 0; i < 600; i++) await alice.request('muteLocal', { audio: i % 2 === 0, video: false });
    await bob.request('muteLocal', { audio: true, video: false });
    alice.ws.terminate();
    const { c, r } = await resume(url, session, seen);
    expect(r).toMatchObject({ ok: true, data: { replayed: 1 } });
    expect((await c.waitEvent('mute-audio')).data).toEqual({ uid: 'bob', screen: false });
  });
});

describe('media during the grace period', () => {
  it('a parked session keeps its push and plays; they end only when the grace period does', async () => {
    const { url, media } = await serve({ resumeGraceMs: 300 });
    const { alice, bob } = await pair(url);
    await alice.request('publish', { screen: false });
    await bob.request('publish', { screen: false });
    await alice.request('subscribe', { userId: 'bob' });
    alice.ws.terminate();
    await bob.sync();
    expect(media.of('endPush')).toEqual([]);
    expect(media.of('endPlay')).toEqual([]);
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
    expect(media.of('endPush').map((c) => c.key.userId)).toEqual(['alice']);
    expect(media.of('endPlay').map((c) => c.subscriberId)).toEqual(['alice']);
  });
});

describe('resume credentials, at random', () => {
  it('only the exact secret with a lastSeq the session has resumes; everything else gets its exact code', async () => {
    const { url } = await serve({ joinRateLimit: { max: 1e9, windowMs: 1000 } });
    const { alice, bob, session } = await pair(url);
    await bob.request('publish', { screen: false }); // gives alice one event (seq 2 after peer-online)
    await alice.waitEvent('stream-added');
    const seq = alice.lastSeq;
    alice.ws.terminate();
    const variants = fc.record({
      sessionId: fc.oneof(fc.constant(session.sessionId), fc.uuid(), fc.string({ minLength: 1, maxLength: 64 })),
      resumeToken: fc.oneof(
        fc.constant(session.resumeToken),
        fc.string({ minLength: 1, maxLength: 128 }),
        fc
          .nat({ max: session.resumeToken.length - 1 })
          .map((i) => session.resumeToken.slice(0, i) + (session.resumeToken[i] === 'a' ? 'b' : 'a') + session.resumeToken.slice(i + 1)),
        fc.constant(session.resumeToken + 'x'),
      ),
      lastSeq: fc.nat({ max: seq + 3 }),
    });
    await fc.assert(
      fc.asyncProperty(variants, async (v) => {
        const { c, r } = await resume(url, v, v.lastSeq);
        const genuine = v.sessionId === session.sessionId && v.resumeToken === session.resumeToken;
        if (genuine && v.lastSeq <= seq) expect(r.ok).toBe(true);
        else if (genuine) expect(r.error?.code).toBe(CODES.INVALID_PARAMS);
        else expect(r.error?.code).toBe(CODES.NOT_IN_ROOM);
        c.ws.terminate(); // parks the session again if it was resumed
      }),
      { numRuns: 80 },
    );
    await bob.sync();
    expect(bob.events('peer-leave')).toEqual([]);
  });
});

describe('a failed push', () => {
  const key = { appId: APP_ID, roomId: 'room1', userId: 'alice', screen: false };

  it('removes the stream for the others; publish again reissues the URL, and a push brings the stream back', async () => {
    const { url, media } = await serve();
    const { alice, bob } = await pair(url);
    expect((await alice.request('publish', { screen: false })).ok).toBe(true);
    await bob.waitEvent('stream-added');
    media.emit({ type: 'push-timeout', key, reason: 'no push' });
    expect((await alice.waitEvent('stream-failed')).data).toEqual({ uid: 'alice', screen: false, reason: 'no push' });
    expect((await bob.waitEvent('stream-removed')).data).toEqual({ uid: 'alice', screen: false });
    expect(await bob.request('subscribe', { userId: 'alice' })).toMatchObject({ ok: false, error: { code: CODES.STREAM_NOT_PUBLISHED } });
    const again = await alice.request('publish', { screen: false });
    expect(again.ok).toBe(true);
    expect(media.of('issuePushUrl')).toHaveLength(2);
    // Retried once: a third publish is refused.
    expect(await alice.request('publish', { screen: false })).toMatchObject({ ok: false, error: { code: CODES.ALREADY_PUBLISHED } });
    await bob.sync();
    expect(bob.events('stream-added')).toHaveLength(1); // nothing until a push starts
    media.emit({ type: 'push-started', key });
    await bob.sync();
    expect(bob.events('stream-added').map((f) => f.data)).toEqual([
      { uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } },
      { uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } },
    ]);
    expect((await bob.request('subscribe', { userId: 'alice' })).ok).toBe(true);
  });

  it('fails while its publisher is parked: the others hear stream-removed, the resumed publisher gets stream-failed replayed', async () => {
    const { url, media } = await serve({ resumeGraceMs: 5_000 });
    const { alice, bob, session } = await pair(url);
    await alice.request('publish', { screen: false });
    await bob.waitEvent('stream-added');
    const seen = alice.lastSeq;
    alice.ws.terminate();
    await bob.sync();
    media.emit({ type: 'push-stopped', key, reason: 'publisher disconnected' });
    expect((await bob.waitEvent('stream-removed')).data).toEqual({ uid: 'alice', screen: false });
    expect(bob.events('peer-leave')).toEqual([]);
    const { c, r } = await resume(url, session, seen);
    expect(r).toMatchObject({ ok: true, data: { replayed: 1 } });
    expect((await c.waitEvent('stream-failed')).data).toEqual({ uid: 'alice', screen: false, reason: 'publisher disconnected' });
    expect((await c.request('publish', { screen: false })).ok).toBe(true);
  });
});
