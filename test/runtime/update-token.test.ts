// updateToken in the runtime against a scripted protocol server (the layer below): the frame it
// sends, the expiry it keeps, which token a fresh join presents after a renewal (the new one, or
// the old one when the server refused the new one), and a renewal made while reconnecting.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { startFakeSignaling, type FakeServer, type Frame, type Script } from '../support/fake-signaling.js';
import { APP_ID, watch, wsTransport } from '../support/runtime-harness.js';

let server: FakeServer | undefined;
const clients: ClientRuntime[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy().catch(() => undefined);
  await server?.close();
  server = undefined;
});

const JOIN = { sessionId: 's1', resumeToken: 'secret-1', peers: [], streams: [], tokenExpireAt: 100 };
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: number }) => e.code,
  );

/** A server that answers updateToken as `renew` says and refuses every resume (so the SDK joins afresh). */
function script(renew: (f: Frame, peer: Parameters<Script>[1]) => void, joins: Frame[]): Script {
  return (f, peer) => {
    if (f.type === 'join') {
      joins.push(f);
      return peer.reply(f, JOIN);
    }
    if (f.type === 'resume') return peer.refuse(f, ERROR_CODES.NOT_IN_ROOM, 'no session to resume; join again');
    if (f.type === 'updateToken') return renew(f, peer);
    peer.reply(f, {});
  };
}

async function inRoom(s: Script) {
  server = await startFakeSignaling(s);
  const rt = createRuntime({ server: server.url, transport: wsTransport, reconnect: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 5 } });
  clients.push(rt);
  const w = watch(rt, Object.values(EVENTS));
  await rt.init(APP_ID);
  await rt.join('token-1', 'r', 'me');
  return { rt, w, server };
}

describe('updateToken in the runtime', () => {
  it('sends the token; a fresh join after a lost session presents it', async () => {
    const joins: Frame[] = [];
    const { rt, w, server } = await inRoom(script((f, peer) => peer.reply(f, { tokenExpireAt: 200 }), joins));
    await rt.updateToken('token-2');
    expect(server.peers[0]!.frames.filter((f) => f.type === 'updateToken')).toMatchObject([{ type: 'updateToken', token: 'token-2' }]);
    server.peers[0]!.socket.terminate();
    await w.next(EVENTS.CONNECTION_STATE_CHANGED, (s) => s.state === 'connected' && s.prevState === 'reconnecting');
    expect(joins.map((j) => j.token)).toEqual(['token-1', 'token-2']);
  });

  it('a token the server refuses is not kept: the fresh join presents the previous one', async () => {
    const joins: Frame[] = [];
    const { rt, w, server } = await inRoom(script((f, peer) => peer.refuse(f, ERROR_CODES.TOKEN_RENEW_MISMATCH, 'another user'), joins));
    expect(await codeOf(rt.updateToken('token-of-bob'))).toBe(ERROR_CODES.TOKEN_RENEW_MISMATCH);
    server.peers[0]!.socket.terminate();
    await w.next(EVENTS.CONNECTION_STATE_CHANGED, (s) => s.state === 'connected' && s.prevState === 'reconnecting');
    expect(joins.map((j) => j.token)).toEqual(['token-1', 'token-1']);
  });

  it('made while reconnecting: the fresh join already presents it; the call itself belonged to the lost session', async () => {
    const joins: Frame[] = [];
    let hold = true;
    const { rt, w, server } = await inRoom((f, peer) => {
      // The first reconnect attempt gets no answer to its resume until the renewal was made.
      if (f.type === 'resume' && hold) return;
      script((g, p) => p.reply(g, { tokenExpireAt: 300 }), joins)(f, peer);
    });
    server.peers[0]!.socket.terminate();
    await w.next(EVENTS.CONNECTION_STATE_CHANGED, (s) => s.state === 'reconnecting');
    const renewing = rt.updateToken('token-3');
    hold = false;
    server.peers.at(-1)?.socket.terminate(); // the held attempt fails; the next one is refused and joins afresh
    expect(await codeOf(renewing)).toBe(ERROR_CODES.CONNECTION_LOST);
    await w.next(EVENTS.CONNECTION_STATE_CHANGED, (s) => s.state === 'connected' && s.prevState === 'reconnecting');
    expect(joins.map((j) => j.token)).toEqual(['token-1', 'token-3']);
  });

  it('checks the token locally first, and needs a room', async () => {
    const { rt } = await inRoom(script((f, peer) => peer.reply(f, { tokenExpireAt: 200 }), []));
    expect(await codeOf(rt.updateToken(''))).toBe(ERROR_CODES.INVALID_PARAMS);
    expect(await codeOf(rt.updateToken('x'.repeat(4097)))).toBe(ERROR_CODES.INVALID_PARAMS);
    await rt.leave();
    expect(await codeOf(rt.updateToken('token-2'))).toBe(ERROR_CODES.NOT_IN_ROOM);
  });
});
