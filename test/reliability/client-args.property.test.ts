// Random values of every type, to every method of the generated Client, in every state a client
// can be in (fresh, initialised, in a room on the real server): no call throws, every Promise
// settles, and every failure is a VolcEngineRTCError with a documented code, whether it arrives
// as a rejection, through an onFailure callback, or on the ERROR event.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { Client } from '../../src/generated/client.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { wsTransport } from '../support/runtime-harness.js';

const DOCUMENTED = new Set<number>(Object.values(ERROR_CODES));
const METHODS = Object.getOwnPropertyNames(Client.prototype).filter(
  (m) => m !== 'constructor' && typeof (Client.prototype as unknown as Record<string, unknown>)[m] === 'function',
);

/** Marks where a fresh recording callback goes (fast-check values must be replayable). */
const FN = Symbol('callback');

const hostile = fc.constantFrom(
  // Objects that throw when touched: a checker must not let that escape.
  () =>
    new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    ),
  () => ({
    get audio(): boolean {
      throw new Error('getter');
    },
    video: true,
  }),
  () => Object.create(null) as object,
  () => ({
    toString: 5,
    valueOf: () => {
      throw new Error('valueOf');
    },
  }),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: true,
    withBoxedValues: true,
  }),
  fc.constantFrom(undefined, null, NaN, Infinity, -0, '', 'room-1', 'bob', E2E_APP_ID, EVENTS.PEER_ONLINE, 'x'.repeat(5000)),
  fc.record({ audio: fc.anything({ maxDepth: 0 }), video: fc.anything({ maxDepth: 0 }), screen: fc.anything({ maxDepth: 0 }) }, { requiredKeys: [] }),
  fc.constant(FN),
  hostile,
);

const call = fc.record({ method: fc.constantFrom(...METHODS), args: fc.array(value, { maxLength: 5 }) });

describe('every Client method with random arguments', () => {
  let server: RunningServer;
  let room = 0;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(async () => server.close());

  it(`never throws, always settles, fails only with documented codes (${METHODS.length} methods)`, async () => {
    expect(METHODS).toEqual(expect.arrayContaining(['init', 'join', 'publish', 'subscribe', 'muteRemote', 'on', 'reportPlayerNetStatusChange']));
    // With no ERROR listener (after destroy) failures go to console.error as (tag, code, reason).
    const logged: unknown[][] = [];
    let joined = 0;
    let resolved = 0;
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void logged.push(a));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('fresh', 'initialised', 'inRoom'), fc.array(call, { minLength: 1, maxLength: 6 }), async (state, calls) => {
        const client = new Client({ server: server.url, transport: wsTransport, reconnect: false });
        const failures: unknown[] = [];
        const settling: Promise<unknown>[] = [];
        client.on(EVENTS.ERROR, (e) => failures.push(e));
        if (state !== 'fresh') await client.init(E2E_APP_ID);
        if (state === 'inRoom') {
          const r = `args-${++room}`;
          await client.join(mintToken(r, 'me'), r, 'me');
          joined++;
        }
        for (const { method, args } of calls) {
          // Callbacks: each records what it got; a failure callback must get a documented error.
          const real = args.map((a) =>
            a === FN ? (...got: unknown[]) => got.forEach((g) => isErrorLike(g) && failures.push(g)) : typeof a === 'function' ? (a as () => unknown)() : a,
          );
          let out: unknown;
          expect(() => {
            out = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...real);
          }, `${method} threw`).not.toThrow();
          if (out instanceof Promise)
            settling.push(
              out.then(
                () => void resolved++,
                (e) => void failures.push(e),
              ),
            );
        }
        await settleWithin(settling, 15_000, calls.map((c) => c.method).join(', '));
        await client.destroy().catch((e) => failures.push(e));
        for (const f of failures) {
          expect(isErrorLike(f), `not an {code, reason}: ${String(f)}`).toBe(true);
          expect(DOCUMENTED.has((f as { code: number }).code), `undocumented code ${(f as { code: number }).code}`).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    spy.mockRestore();
    expect(joined).toBeGreaterThan(20); // the runs did reach a room on the real server
    expect(resolved).toBeGreaterThan(0); // and not every call was refused
    for (const [tag, code, reason] of logged) {
      expect(tag).toBe('[mprtc] unhandled error');
      expect(DOCUMENTED.has(code as number), `undocumented code ${String(code)}`).toBe(true);
      expect(typeof reason).toBe('string');
    }
  }, 120_000);
});

function isErrorLike(v: unknown): v is { code: number; reason: string } {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'number' && typeof (v as { reason?: unknown }).reason === 'string';
}

async function settleWithin(ps: Promise<unknown>[], ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`calls still pending after ${ms} ms: ${what}`)), ms);
  });
  try {
    await Promise.race([Promise.all(ps), late]);
  } finally {
    clearTimeout(timer);
  }
}
