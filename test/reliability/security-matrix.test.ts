// Hostile and broken input, one row per case, each asserting the EXACT documented answer, on a
// real server over real sockets. After every row the server still serves a bystander and
// nothing reached another room or app. (bad-frames.test.ts and the token tests in server/test
// go deeper on single areas; this is the one table of what an attacker can try.)
import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../server/src/config.js';
import { CODES } from '../../server/src/codes.js';
import { generateToken } from '../../server/src/token/index.js';
import { APP2_ID, APP2_KEY, APP_ID, RawClient, token, type Frame } from '../../server/test/support/client.js';
import { serve } from '../../server/test/support/server.js';

type Harness = Awaited<ReturnType<typeof serve>> & {
  connect(): Promise<RawClient>;
  joined(room: string, user: string, over?: Parameters<RawClient['join']>[2]): Promise<{ c: RawClient; j: Frame }>;
};

/** What a row expects: a refusal code on the response, an unsolicited error frame, or a close code. */
type Expect = { response: number } | { errorFrame: number } | { close: number };

interface Row {
  name: string;
  config?: Partial<ServerConfig>;
  expect: Expect;
  /** Returns the client whose answer is checked and, for responses, the request's promise. */
  act(h: Harness): Promise<{ c: RawClient; answer?: Promise<Frame> }>;
}

const raw = (c: RawClient, frame: unknown) => {
  c.sendRaw(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return c;
};
const req = (c: RawClient, type: string, body: Record<string, unknown> = {}) => ({ c, answer: c.request(type, body) });
const past = Math.floor(Date.now() / 1000) - 60;

function tamper(t: string): string {
  const i = t.length - 10; // inside the signed body: any change breaks the signature
  return t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
}

const rows: Row[] = [
  // ---- malformed frames
  { name: 'not JSON', expect: { errorFrame: CODES.PROTOCOL_ERROR }, act: async (h) => ({ c: raw(await h.connect(), '{"v":1,') }) },
  { name: 'JSON that is not an object', expect: { errorFrame: CODES.PROTOCOL_ERROR }, act: async (h) => ({ c: raw(await h.connect(), '[1,2]') }) },
  { name: 'a request without an id', expect: { errorFrame: CODES.PROTOCOL_ERROR }, act: async (h) => ({ c: raw(await h.connect(), { v: 1, type: 'leave' }) }) },
  { name: 'a binary frame', expect: { errorFrame: CODES.PROTOCOL_ERROR }, act: async (h) => ({ c: raw(await h.connect(), Buffer.from([0xff, 0])) }) },
  {
    name: 'another protocol version',
    expect: { response: CODES.PROTOCOL_ERROR },
    act: async (h) => answerTo(await h.connect(), { v: 2, id: 9, type: 'leave' }),
  },
  {
    name: 'an unknown message kind',
    expect: { response: CODES.PROTOCOL_ERROR },
    act: async (h) => answerTo(await h.connect(), { v: 1, id: 9, type: 'becomeAdmin' }),
  },
  {
    name: 'a prototype-polluting kind',
    expect: { response: CODES.PROTOCOL_ERROR },
    act: async (h) => answerTo(await h.connect(), { v: 1, id: 9, type: '__proto__' }),
  },
  {
    name: 'a field of the wrong type',
    expect: { response: CODES.INVALID_PARAMS },
    act: async (h) => req((await h.joined('r', 'a')).c, 'publish', { screen: 'yes' }),
  },
  {
    name: 'an id with forbidden characters',
    expect: { response: CODES.INVALID_PARAMS },
    act: async (h) => req(await h.connect(), 'join', { appId: APP_ID, token: token('r', 'a'), roomId: '../etc', userId: 'a' }),
  },
  {
    name: 'a token of 5000 characters',
    expect: { response: CODES.INVALID_PARAMS },
    act: async (h) => req(await h.connect(), 'join', { appId: APP_ID, token: 'x'.repeat(5000), roomId: 'r', userId: 'a' }),
  },
  {
    name: 'a huge frame (over maxFrameBytes)',
    config: { maxFrameBytes: 1024 },
    expect: { response: CODES.PROTOCOL_ERROR },
    act: async (h) => answerTo(await h.connect(), { v: 1, id: 9, type: 'report', items: [], pad: 'x'.repeat(4096) }),
  },
  {
    name: 'a frame over maxPayloadBytes',
    config: { maxPayloadBytes: 8192 },
    expect: { close: 1009 },
    act: async (h) => ({ c: raw(await h.connect(), 'x'.repeat(20_000)) }),
  },
  // ---- out of order
  { name: 'publish before join', expect: { response: CODES.NOT_IN_ROOM }, act: async (h) => req(await h.connect(), 'publish') },
  {
    name: 'join twice on one socket',
    expect: { response: CODES.ALREADY_IN_ROOM },
    act: async (h) => req((await h.joined('r', 'a')).c, 'join', { appId: APP_ID, token: token('r2', 'a'), roomId: 'r2', userId: 'a' }),
  },
  {
    name: 'resume while in a room',
    expect: { response: CODES.ALREADY_IN_ROOM },
    act: async (h) => {
      const { c, j } = await h.joined('r', 'a');
      return req(c, 'resume', { sessionId: j.data.sessionId, resumeToken: j.data.resumeToken, lastSeq: 0 });
    },
  },
  {
    name: 'a request after leave',
    expect: { response: CODES.NOT_IN_ROOM },
    act: async (h) => {
      const { c } = await h.joined('r', 'a');
      await c.request('leave');
      return req(c, 'subscribe', { userId: 'b' });
    },
  },
  {
    name: 'too many requests in flight',
    config: { maxPendingRequests: 3 },
    expect: { response: CODES.RATE_LIMITED },
    act: async (h) => {
      const c = await h.connect();
      expect((await c.join('r', 'busy')).ok).toBe(true);
      // One TCP write of publishes, which wait for their push URL (a refusal or a join would be
      // answered before the next frame is read and never be in flight).
      const socket = (c.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      socket.cork();
      for (let i = 0; i < 10; i++) raw(c, { v: 1, id: 100 + i, type: 'publish', screen: false });
      socket.uncork();
      return { c, answer: c.waitFor((f) => f.type === 'response' && f.id === 109) };
    },
  },
  // ---- floods and silence
  {
    name: 'a flood of joins from one address',
    config: { joinRateLimit: { max: 3, windowMs: 60_000 } },
    expect: { response: CODES.RATE_LIMITED },
    act: async (h) => {
      for (let i = 0; i < 3; i++) await (await h.connect()).join('r', `u${i}`, { token: 'bad' });
      return req(await h.connect(), 'join', { appId: APP_ID, token: token('r', 'x'), roomId: 'r', userId: 'x' });
    },
  },
  {
    name: 'a flood of resume guesses from one address',
    config: { joinRateLimit: { max: 3, windowMs: 60_000 } },
    expect: { response: CODES.RATE_LIMITED },
    act: async (h) => {
      const c = await h.connect();
      for (let i = 0; i < 3; i++) await c.request('resume', { sessionId: `guess-${i}`, resumeToken: 'x', lastSeq: 0 });
      return req(c, 'resume', { sessionId: 'guess-4', resumeToken: 'x', lastSeq: 0 });
    },
  },
  { name: 'a socket that connects and never speaks', config: { joinTimeoutMs: 100 }, expect: { close: 4003 }, act: async (h) => ({ c: await h.connect() }) },
  // ---- tokens
  {
    name: 'an unknown app',
    expect: { response: CODES.APP_UNKNOWN },
    act: async (h) => req(await h.connect(), 'join', { appId: 'zzzzzzzzzzzzzzzzzzzzzzzz', token: token('r', 'a'), roomId: 'r', userId: 'a' }),
  },
  { name: 'a garbage token', expect: { response: CODES.TOKEN_INVALID }, act: async (h) => joinWith(h, 'not-a-token') },
  { name: 'a forged token (one character changed)', expect: { response: CODES.TOKEN_INVALID }, act: async (h) => joinWith(h, tamper(token('r', 'a'))) },
  {
    name: 'a token signed with another key',
    expect: { response: CODES.TOKEN_INVALID },
    act: async (h) => joinWith(h, token('r', 'a', { appKey: 'not-the-key' })),
  },
  { name: 'an expired token', expect: { response: CODES.TOKEN_EXPIRED }, act: async (h) => joinWith(h, token('r', 'a', { expireAt: past })) },
  {
    name: 'a token for another app',
    expect: { response: CODES.TOKEN_MISMATCH },
    act: async (h) => joinWith(h, generateToken({ appId: APP2_ID, appKey: APP2_KEY, roomId: 'r', userId: 'a', expireAt: 0 })),
  },
  { name: 'a token for another room', expect: { response: CODES.TOKEN_MISMATCH }, act: async (h) => joinWith(h, token('other-room', 'a')) },
  { name: 'a token for another user', expect: { response: CODES.TOKEN_MISMATCH }, act: async (h) => joinWith(h, token('r', 'mallory')) },
  // ---- privileges
  {
    name: 'publish without the privilege',
    expect: { response: CODES.NO_PUBLISH_PRIVILEGE },
    act: async (h) => req((await h.joined('r', 'a', { token: token('r', 'a', { publish: null }) })).c, 'publish'),
  },
  {
    name: 'publish with an expired privilege',
    expect: { response: CODES.TOKEN_EXPIRED },
    act: async (h) => req((await h.joined('r', 'a', { token: token('r', 'a', { publish: past }) })).c, 'publish'),
  },
  {
    name: 'subscribe without the privilege',
    expect: { response: CODES.NO_SUBSCRIBE_PRIVILEGE },
    act: async (h) => {
      await publisher(h, 'r', 'pub');
      return req((await h.joined('r', 'a', { token: token('r', 'a', { subscribe: null }) })).c, 'subscribe', { userId: 'pub' });
    },
  },
  // ---- naming another room, app or session
  {
    name: 'subscribe to a publisher of another room',
    expect: { response: CODES.STREAM_NOT_PUBLISHED },
    act: async (h) => {
      await publisher(h, 'other', 'pub');
      return req((await h.joined('r', 'a')).c, 'subscribe', { userId: 'pub' });
    },
  },
  {
    name: 'subscribe to a publisher of another app, same room name',
    expect: { response: CODES.STREAM_NOT_PUBLISHED },
    act: async (h) => {
      await publisher(h, 'r', 'pub', APP2_ID);
      return req((await h.joined('r', 'a')).c, 'subscribe', { userId: 'pub' });
    },
  },
  {
    name: 'muteRemote of a stream in another room',
    expect: { response: CODES.NOT_SUBSCRIBED },
    act: async (h) => {
      await publisher(h, 'other', 'pub');
      return req((await h.joined('r', 'a')).c, 'muteRemote', { userId: 'pub', audio: true, video: true });
    },
  },
  {
    name: "resume with another session's id",
    expect: { response: CODES.NOT_IN_ROOM },
    act: async (h) => {
      const victim = await h.joined('other', 'victim');
      const me = await h.joined('r', 'a');
      me.c.ws.terminate();
      return req(await h.connect(), 'resume', { sessionId: victim.j.data.sessionId, resumeToken: me.j.data.resumeToken, lastSeq: 0 });
    },
  },
  {
    name: 'resume with a guessed secret',
    expect: { response: CODES.NOT_IN_ROOM },
    act: async (h) => {
      const v = await h.joined('other', 'victim');
      v.c.ws.terminate();
      return req(await h.connect(), 'resume', { sessionId: v.j.data.sessionId, resumeToken: 'A'.repeat(32), lastSeq: 0 });
    },
  },
  {
    name: 'resume of a session that does not exist',
    expect: { response: CODES.NOT_IN_ROOM },
    act: async (h) => req(await h.connect(), 'resume', { sessionId: '00000000-0000-4000-8000-000000000000', resumeToken: 'x', lastSeq: 0 }),
  },
  {
    name: 'resume with a malformed lastSeq',
    expect: { response: CODES.INVALID_PARAMS },
    act: async (h) => req(await h.connect(), 'resume', { sessionId: 's', resumeToken: 'x', lastSeq: -1 }),
  },
  {
    name: 'resume claiming events the session never had',
    expect: { response: CODES.INVALID_PARAMS },
    act: async (h) => {
      const { c, j } = await h.joined('r', 'a');
      c.ws.terminate();
      return req(await h.connect(), 'resume', { sessionId: j.data.sessionId, resumeToken: j.data.resumeToken, lastSeq: 1e6 });
    },
  },
  {
    name: 'resume of a session taken over by a newer join',
    expect: { response: CODES.KICKED },
    act: async (h) => {
      const { c, j } = await h.joined('r', 'a');
      c.ws.terminate();
      await h.joined('r', 'a');
      return req(await h.connect(), 'resume', { sessionId: j.data.sessionId, resumeToken: j.data.resumeToken, lastSeq: 0 });
    },
  },
];

function answerTo(c: RawClient, frame: { id: number } & Record<string, unknown>) {
  c.sendRaw(JSON.stringify(frame));
  return Promise.resolve({ c, answer: c.waitFor((f) => f.type === 'response' && f.id === frame.id) });
}

async function joinWith(h: Harness, t: string) {
  return req(await h.connect(), 'join', { appId: APP_ID, token: t, roomId: 'r', userId: 'a' });
}

async function publisher(h: Harness, room: string, user: string, appId?: string) {
  const { c } = await h.joined(room, user, appId ? { appId } : {});
  expect((await c.request('publish', { screen: false })).ok).toBe(true);
  return c;
}

describe('security matrix', () => {
  it.each(rows)('$name', async (row) => {
    const base = await serve({ joinRateLimit: { max: 1000, windowMs: 1000 }, ...row.config });
    const h: Harness = {
      ...base,
      connect: async () => base.track(await RawClient.connect(base.url)),
      joined: async (room, user, over = {}) => {
        const c = base.track(await RawClient.connect(base.url));
        const j = await c.join(room, user, over);
        expect(j.ok, JSON.stringify(j.error)).toBe(true);
        return { c, j };
      },
    };
    // A bystander in its own room and app: it must hear nothing of the attack.
    const bystander = base.track(await RawClient.connect(base.url));
    expect((await bystander.join('bystanders', 'b', { appId: APP2_ID })).ok).toBe(true);

    const { c, answer } = await row.act(h);
    const e = row.expect;
    if ('response' in e) expect(await answer).toMatchObject({ type: 'response', ok: false, error: { code: e.response } });
    if ('errorFrame' in e) expect(await c.waitFor((f) => f.type === 'error')).toMatchObject({ error: { code: e.errorFrame } });
    if ('close' in e) expect((await c.waitClose()).code).toBe(e.close);
    // The attacker's socket is kept (unless closing it is the answer) and still answers.
    if (!('close' in e)) await c.sync();
    await bystander.sync();
    expect(bystander.events()).toEqual([]);
    expect((await bystander.request('publish', { screen: false })).ok).toBe(true);
    const room = await base.server.rooms.inspect({ appId: APP2_ID, roomId: 'bystanders' });
    expect(room?.members.map((m) => m.userId)).toEqual(['b']);
    expect(room?.streams).toEqual([{ uid: 'b', screen: false, audio: true, video: true }]);
    expect(room?.subscriptions).toEqual([]);
  });
});
