// Chaos: 9 runtimes in 3 rooms reach the REAL server through a proxy that drops, stalls and
// delays their connections at random (seeded) while they publish, mute and subscribe. When the
// faults stop, every call has settled, every client's view of its room equals the server's, and
// since every outage is shorter than the grace period nobody heard a peer leave or come back.
// A second run makes the outages longer than a short grace period, so clients must fall back to
// fresh joins, and checks that the room still converges. CHAOS_SEED=<n> replays a run's faults.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../server/src/index.js';
import { createRuntime, type ClientRuntime } from '../../src/runtime/index.js';
import { ERROR_CODES } from '../../src/generated/error-codes.js';
import { EVENTS } from '../../src/generated/events.js';
import { ChaosProxy, seededRandom, type FaultCounts } from '../support/chaos-proxy.js';
import { E2E_APP_ID, mintToken, startRealServer } from '../support/real-server.js';
import { wsTransport } from '../support/runtime-harness.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261125);
const ROOMS = 3;
const PER_ROOM = 3;
const FAULTS_MS = 8_000;

interface Scenario {
  name: string;
  graceMs: number;
  maxStallMs: number;
  /** Network-down spells (nothing connects) of up to this long, or none. */
  maxOutageMs?: number;
  /** Codes a call may end with, besides success. */
  allowed: number[];
  /** Every outage is shorter than the grace period: only resumes, and no room event at all. */
  resumesOnly: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    // 15 s grace: longer than any outage this plan can cause (see docs/reliability.md).
    name: 'outages shorter than the grace period: every client resumes, nobody notices',
    graceMs: 15_000,
    maxStallMs: 1_500,
    allowed: [],
    resumesOnly: true,
  },
  {
    name: 'outages longer than a 1 s grace period: fresh joins, and the room still converges',
    graceMs: 1_000,
    maxStallMs: 3_000,
    maxOutageMs: 3_000,
    // Calls meant for a session that could not be resumed fail; a (re)subscribe can race a removal.
    allowed: [ERROR_CODES.CONNECTION_LOST, ERROR_CODES.STREAM_NOT_PUBLISHED, ERROR_CODES.NOT_SUBSCRIBED],
    resumesOnly: false,
  },
];

type View = { peers: string[]; streams: Record<string, { audio: boolean; video: boolean }> };
type Stats = { drops: number; attempts: number; resumes: number; freshJoins: number; gaveUp: number };

interface Member {
  uid: string;
  room: string;
  publisher: boolean;
  rt: ClientRuntime;
  peers: Set<string>;
  streams: Map<string, { audio: boolean; video: boolean }>;
  state: string;
  heard: { event: string; uid: string }[];
  subscribed: Set<string>;
  /** Subscriptions whose subscribe resolved: what the server must hold for this client. */
  holds: Set<string>;
}

let calls: { what: string; settled: boolean; code?: number }[] = [];
function track<T>(what: string, p: Promise<T>): Promise<T | undefined> {
  const c: (typeof calls)[number] = { what, settled: false };
  calls.push(c);
  return p.then(
    (v) => ((c.settled = true), v),
    (e: { code: number }) => ((c.settled = true), (c.code = e.code), undefined),
  );
}

function viewOf(m: Member): View {
  const streams: View['streams'] = {};
  for (const [uid, s] of [...m.streams].sort()) streams[uid] = { ...s };
  return { peers: [...m.peers].sort(), streams };
}

async function serverView(server: RunningServer, m: Member): Promise<View> {
  const room = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: m.room });
  const streams: View['streams'] = {};
  for (const s of [...(room?.streams ?? [])].sort((a, b) => a.uid.localeCompare(b.uid))) {
    if (s.uid !== m.uid && !s.screen && (s.audio || s.video)) streams[s.uid] = { audio: s.audio, video: s.video };
  }
  const peers = (room?.members ?? [])
    .filter((x) => x.visible && x.userId !== m.uid)
    .map((x) => x.userId)
    .sort();
  return { peers, streams };
}

describe(`chaos: ${ROOMS * PER_ROOM} clients in ${ROOMS} rooms, ${FAULTS_MS / 1000} s of faults`, () => {
  let server: RunningServer | undefined;
  let proxy: ChaosProxy | undefined;
  let members: Member[] = [];

  afterEach(async () => {
    for (const m of members) await m.rt.destroy().catch(() => undefined);
    await proxy?.close();
    await server?.close();
    members = [];
    calls = [];
  });

  it.each(SCENARIOS)(
    '$name',
    async (sc) => {
      console.log(`[chaos] seed ${SEED} (CHAOS_SEED=${SEED} replays the faults)`);
      const rnd = seededRandom(SEED ^ 0x5eed);
      server = await startRealServer({ resumeGraceMs: sc.graceMs });
      const ALLOWED = new Set(sc.allowed);
      proxy = await ChaosProxy.start({ host: '127.0.0.1', port: server.port });

      for (let i = 0; i < ROOMS * PER_ROOM; i++) {
        const rt = createRuntime({
          server: proxy.url(),
          transport: wsTransport,
          heartbeatIntervalMs: 150,
          heartbeatTimeoutMs: 600,
          requestTimeoutMs: 8_000,
          reconnect: { baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 100 },
        });
        const m: Member = {
          uid: `u${i}`,
          room: `chaos-${i % ROOMS}`,
          publisher: Math.floor(i / ROOMS) < 2,
          rt,
          peers: new Set(),
          streams: new Map(),
          state: 'disconnected',
          heard: [],
          subscribed: new Set(),
          holds: new Set(),
        };
        members.push(m);
        const heard = (event: string) => (p: { uid: string }) => m.heard.push({ event, uid: p.uid });
        for (const e of [EVENTS.PEER_LEAVE, EVENTS.PEER_ONLINE, EVENTS.STREAM_REMOVED, EVENTS.STREAM_ADDED]) rt.on(e, heard(e));
        rt.on(EVENTS.PEER_ONLINE, (p: { uid: string }) => m.peers.add(p.uid));
        rt.on(EVENTS.PEER_LEAVE, (p: { uid: string }) => {
          m.peers.delete(p.uid);
          m.streams.delete(p.uid);
        });
        rt.on(EVENTS.STREAM_ADDED, (p: { uid: string; screen: boolean; streamPublishState: { audio: boolean; video: boolean } }) => {
          if (p.screen) return;
          m.streams.set(p.uid, { ...p.streamPublishState });
          // Subscribers follow every stream they hear of, as an app does.
          if (!m.publisher && !m.subscribed.has(p.uid)) {
            m.subscribed.add(p.uid);
            void track(
              `${m.uid} subscribe ${p.uid}`,
              rt.subscribe(p.uid, {}).then((url) => (m.holds.add(p.uid), url)),
            );
          }
        });
        rt.on(EVENTS.STREAM_REMOVED, (p: { uid: string }) => {
          // Never both muted here, so a removal is an unpublish: its plays ended with it.
          m.streams.delete(p.uid);
          m.subscribed.delete(p.uid);
          m.holds.delete(p.uid);
        });
        for (const [e, key, on] of [
          [EVENTS.MUTE_AUDIO, 'audio', false],
          [EVENTS.UNMUTE_AUDIO, 'audio', true],
          [EVENTS.MUTE_VIDEO, 'video', false],
          [EVENTS.UNMUTE_VIDEO, 'video', true],
        ] as const) {
          rt.on(e, (p: { uid: string }) => {
            const s = m.streams.get(p.uid);
            if (s) s[key] = on;
          });
        }
        rt.on(EVENTS.CONNECTION_STATE_CHANGED, (p: { state: string }) => (m.state = p.state));
        rt.on(EVENTS.ERROR, () => undefined);
        await rt.init(E2E_APP_ID);
        await track(`${m.uid} join`, rt.join(mintToken(m.room, m.uid), m.room, m.uid));
        if (m.publisher) await track(`${m.uid} publish`, rt.publish());
      }

      // Faults, and meanwhile every client keeps using the SDK.
      let faulting = true;
      const chaos = proxy.runFaults(SEED, {
        durationMs: FAULTS_MS,
        meanGapMs: 120,
        maxStallMs: sc.maxStallMs,
        maxDelayMs: 300,
        delayForMs: 1_000,
        ...(sc.maxOutageMs ? { maxOutageMs: sc.maxOutageMs } : {}),
      });
      const workers = members.map(async (m) => {
        while (faulting) {
          await new Promise((r) => setTimeout(r, 200 + rnd() * 400));
          if (!faulting) break;
          const pick = rnd();
          if (m.publisher) {
            // Never both off: a stream-removed would then be legitimate, and this run asserts none.
            void track(`${m.uid} muteLocal`, m.rt.muteLocal({ audio: pick < 0.5, video: false }));
          } else {
            const target = [...m.subscribed][Math.floor(rnd() * m.subscribed.size)];
            if (target) void track(`${m.uid} muteRemote ${target}`, m.rt.muteRemote(target, { audio: pick < 0.5, video: pick < 0.25 }));
          }
        }
      });
      const faults: FaultCounts = await chaos;
      faulting = false;
      await Promise.all(workers);
      const faultsEnded = Date.now();

      // Every call settles (none hangs): bounded by the reconnect budget, not by a guess.
      await until(
        () => calls.every((c) => c.settled),
        30_000,
        () =>
          `pending: ${calls
            .filter((c) => !c.settled)
            .map((c) => c.what)
            .join(', ')}`,
      );
      // Then every view converges on the server's.
      let last = '';
      await until(
        async () => {
          for (const m of members) {
            const [mine, theirs] = [viewOf(m), await serverView(server!, m)];
            if (m.state !== 'connected' || JSON.stringify(mine) !== JSON.stringify(theirs)) {
              last = `${m.uid} (${m.state}) sees ${JSON.stringify(mine)}, the server has ${JSON.stringify(theirs)}`;
              return false;
            }
          }
          return true;
        },
        20_000,
        () => last,
      );
      const convergedMs = Date.now() - faultsEnded;
      for (const m of members) expect(viewOf(m)).toEqual(await serverView(server!, m));
      // And what each client did itself is what the server holds: its publish, its subscriptions
      // (after fresh joins the SDK restored both).
      for (const m of members) {
        const room = await server.rooms.inspect({ appId: E2E_APP_ID, roomId: m.room });
        expect(
          room?.streams.some((x) => x.uid === m.uid),
          `${m.uid} publishing`,
        ).toBe(m.publisher);
        if (sc.resumesOnly) {
          expect(
            room?.subscriptions
              .filter((x) => x.subscriberId === m.uid)
              .map((x) => x.userId)
              .sort(),
            `${m.uid} subscriptions`,
          ).toEqual([...m.holds].sort());
        }
      }

      // No spurious room events: every outage was shorter than the grace period.
      for (const m of members) {
        if (!sc.resumesOnly) break;
        expect(m.heard.filter((h) => h.event === EVENTS.PEER_LEAVE || h.event === EVENTS.STREAM_REMOVED)).toEqual([]);
        const online = m.heard.filter((h) => h.event === EVENTS.PEER_ONLINE).map((h) => h.uid);
        expect(online.sort()).toEqual([...new Set(online)].sort()); // each peer announced once
        const added = m.heard.filter((h) => h.event === EVENTS.STREAM_ADDED).map((h) => h.uid);
        expect(added.sort()).toEqual([...new Set(added)].sort());
      }
      const failures = calls.filter((c) => c.code !== undefined);
      expect(failures.filter((c) => !ALLOWED.has(c.code!))).toEqual([]);

      const stats = members.map((m) => (m.rt as unknown as { stats: Stats }).stats);
      const sum = (k: keyof Stats) => stats.reduce((n, s) => n + s[k], 0);
      expect(sum('gaveUp')).toBe(0);
      if (sc.resumesOnly) expect(sum('freshJoins')).toBe(0);
      else expect(sum('freshJoins')).toBeGreaterThan(0); // the scenario did what it says
      expect(faults.drops + faults.stalls).toBeGreaterThan(10); // the run did hurt
      expect(sum('resumes')).toBeGreaterThan(0);
      console.log(
        `[chaos] ${sc.resumesOnly ? 'long grace' : 'short grace'}, seed ${SEED}: ${members.length} clients, faults ${JSON.stringify(faults)}, connections ${proxy.accepted}, ` +
          `drops seen ${sum('drops')}, attempts ${sum('attempts')}, resumes ${sum('resumes')}, fresh joins ${sum('freshJoins')}, ` +
          `calls ${calls.length} (${failures.length} refused: ${[...new Set(failures.map((c) => c.code))].join(',') || 'none'}), converged ${convergedMs} ms after the faults`,
      );
    },
    60_000,
  );
});

function until(cond: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  return vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`not reached within ${ms} ms: ${what()}`);
    },
    { timeout: ms, interval: 50 },
  );
}
