// Random sequences of calls, some awaited and some overlapping, mixed with the server kicking
// the client or its socket dropping: every Promise settles, every failure is a documented
// { code, reason }, nothing throws, and a destroyed client refuses everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { startFakeSignaling, type FakeServer } from '../support/fake-signaling.js';
import { APP_ID, wsTransport } from '../support/runtime-harness.js';

const KNOWN_CODES = new Set<number>(Object.values(ERROR_CODES));

type Op = (rt: ClientRuntime, server: FakeServer) => Promise<unknown> | void;

const ops: Record<string, Op> = {
  init: (rt) => rt.init(APP_ID),
  badInit: (rt) => rt.init('short'),
  join: (rt) => rt.join('t', 'room', 'me'),
  leave: (rt) => rt.leave(),
  publish: (rt) => rt.publish(),
  unpublish: (rt) => rt.unpublish(),
  subscribe: (rt) => rt.subscribe('bob', { audio: true, video: true, screen: false }),
  unsubscribe: (rt) => rt.unsubscribe('bob', { screen: false }),
  muteLocal: (rt) => rt.muteLocal({ audio: true, video: false }),
  muteRemote: (rt) => rt.muteRemote('bob', { audio: false, video: true, screen: false }),
  invisible: (rt) => rt.setUserVisibility(false),
  visible: (rt) => rt.setUserVisibility(true),
  businessId: (rt) => rt.setBusinessId('b'),
  report: (rt) => rt.reportPusherStateChange(1001, 'x'),
  renew: (rt) => rt.updateToken('t2'),
  listeners: (rt) => {
    rt.once('peer-online', () => undefined);
    rt.off('peer-online');
    rt.removeAllListeners('peer-leave');
  },
  destroy: (rt) => rt.destroy(),
  kick: (_rt, server) => server.peers.at(-1)?.event('disconnect', { code: ERROR_CODES.KICKED, reason: 'kicked' }),
  drop: (_rt, server) => server.peers.at(-1)?.socket.terminate(),
  streamFailed: (_rt, server) => server.peers.at(-1)?.event('stream-failed', { uid: 'me', screen: false, reason: 'x' }),
};

const step = fc.record({ op: fc.constantFrom(...Object.keys(ops)), overlap: fc.boolean() });

describe('any sequence of calls', () => {
  it('settles every Promise with a result or a documented error', async () => {
    const server = await startFakeSignaling();
    const errors: unknown[] = [];
    const succeeded = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 14 }), async (startInRoom, rest) => {
          // Half the runs start in the room, so room calls get exercised beyond their refusals.
          const steps = startInRoom ? [{ op: 'init', overlap: false }, { op: 'join', overlap: false }, ...rest] : rest;
          const rt = createRuntime({ server: server.url, transport: wsTransport, requestTimeoutMs: 5_000 });
          rt.on('error', (e) => errors.push(e));
          const pending: Promise<unknown>[] = [];
          for (const s of steps) {
            let result: Promise<unknown> | void;
            try {
              result = ops[s.op]!(rt, server);
            } catch (e) {
              throw new Error(`${s.op} threw synchronously: ${String(e)}`, { cause: e });
            }
            if (!result) continue;
            const settled = result.then(
              () => void succeeded.set(s.op, (succeeded.get(s.op) ?? 0) + 1),
              (e: { code?: unknown; reason?: unknown }) => {
                expect(KNOWN_CODES.has(e.code as number), `${s.op} rejected with ${JSON.stringify(e)}`).toBe(true);
                expect(typeof e.reason).toBe('string');
              },
            );
            if (s.overlap) pending.push(settled);
            else await settled;
          }
          await Promise.all(pending);
          await rt.destroy().catch((e: { code: number }) => expect(e.code).toBe(ERROR_CODES.CLIENT_DESTROYED));
          for (const p of [rt.init(APP_ID), rt.join('t', 'room', 'me'), rt.publish(), rt.leave(), rt.destroy()]) {
            await expect(p).rejects.toMatchObject({ code: ERROR_CODES.CLIENT_DESTROYED });
          }
        }),
        {
          numRuns: 60,
          // One sequence that surely reaches the room, so the check below never depends on luck.
          examples: [[true, ['publish', 'renew', 'subscribe', 'muteRemote', 'unsubscribe', 'unpublish', 'leave'].map((op) => ({ op, overlap: false }))]],
        },
      );
      for (const e of errors) expect(KNOWN_CODES.has((e as { code: number }).code)).toBe(true);
      // The sequences did reach the room, not only the refusals before it.
      for (const op of ['join', 'publish', 'renew', 'subscribe', 'leave']) expect(succeeded.get(op) ?? 0, op).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 120_000);
});
