// Our signaling server against socket.io 4.8 and the bare `ws` floor, doing the same work, each
// server in its own process, clients in other processes, rounds interleaved in one run.
// Prints the ratio table with the machine, versions and load.
//   npm run bench:peers                 full run (a few minutes)
//   npm run bench:peers -- --smoke      seconds; what CI runs through test/bench/smoke.test.ts
//   options: --idle N (idle sockets per server, default 19800), --idle-rounds N (the idle
//            measure N times, default 3, smoke 1; medians), --json FILE (results as JSON), --rounds N,
//            --only pairs,fanout,... (a subset of the measures: joinNew joinKept pairs fanout idle
//            resume bundle codegen),
//            --profile FILE [--variant ours|floor|sio+token|sio] (only the join+leave row, with a
//            CPU profile of that server's measured window in FILE; summarise it with
//            npx tsx bench/peers/profile.ts FILE; a FILE ending in .heapprofile gets a sampling
//            allocation profile instead, for Chrome DevTools); with --measure fanout, the fan-out with its
//            audience stopped instead (ours|floor|sio+token),
//            --no-pin (the kept-socket join and the paced fan-out rows are otherwise run with
//            the servers on CPU 0 and the clients on the other CPUs; Linux), --pin (every
//            fan-out row so), --ours-b DIR (the fan-out rows also with our server from another
//            checkout, e.g. a git worktree of main, as the column ours-b, its events in turn
//            with the others': an A/B of a server change on the same drift; the join+leave
//            pairs too, in the rounds' rotation, and the idle sockets, held with the others')
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { machine, now } from '../lib/stats.js';
import { openPeer, sdkJoin, sdkReceiver, type Kind, type Peer } from './clients.js';
import { spawnChild, type Child } from './ipc.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SMOKE = args.includes('--smoke');
/** --only: a subset of the measures, for quick A/B runs. */
const ONLY = opt('--only')?.split(',');
const want = (part: string) => !ONLY || ONLY.includes(part);
const PROFILE = opt('--profile');
const P = SMOKE
  ? {
      rounds: 1,
      joinNew: 10,
      joinKept: 40,
      pairsWarmMs: 100,
      pairsMs: 400,
      pairsSlices: 2,
      events: 20,
      invisible: 50,
      idle: Number(opt('--idle') ?? 100),
      idleSettleMs: 300,
      idleWindowMs: 1000,
      resumeMembers: 30,
      budgetMembers: 100,
      toggles: 600,
      codegenRuns: 1,
    }
  : {
      rounds: 3,
      joinNew: 60,
      joinKept: 400,
      pairsWarmMs: 250,
      pairsMs: 3000,
      pairsSlices: 4,
      events: 150,
      invisible: 1000,
      idle: Number(opt('--idle') ?? 19_800),
      idleSettleMs: 2000,
      idleWindowMs: 10_000,
      resumeMembers: 1000,
      budgetMembers: 10_000,
      toggles: 600,
      codegenRuns: 5,
    };
if (PROFILE) Object.assign(P, { rounds: 1, pairsMs: 8000 });
if (opt('--rounds')) P.rounds = Number(opt('--rounds'));
// Opening 3 x 19,800 joined sockets takes minutes on a machine whose load is far above its core
// count; the full run then holds a quarter as many, and says so.
const LOADED = !SMOKE && !opt('--idle') && loadavg()[0]! > 2 * cpus().length;
if (LOADED) P.idle = 4950;

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const min = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);

/** A column of the table: which server, and whether a join carries a token to verify. */
interface Variant {
  col: string;
  kind: Kind;
  token: boolean;
}
const OURS: Variant = { col: 'ours', kind: 'ours', token: true };
const FLOOR: Variant = { col: 'floor', kind: 'floor', token: false };
const SIO_T: Variant = { col: 'sio+token', kind: 'sio', token: true };
const SIO: Variant = { col: 'sio', kind: 'sio', token: false };
const JOINERS = [OURS, FLOOR, SIO_T, SIO];
const ROOMERS = [OURS, FLOOR, SIO_T];
/** --ours-b DIR: our server from another checkout, for an A/B of a change (fan-out, join+leave pairs, idle sockets). */
const OURS_B_DIR = opt('--ours-b');
const OURS_B: Variant = { col: 'ours-b', kind: 'ours', token: true };
const rotate = <T>(xs: T[], n: number): T[] => xs.map((_, i) => xs[(i + n) % xs.length]!);
/** Progress on stderr, so a long run shows where it is and the table stays clean on stdout. */
const progress = (what: string) => process.stderr.write(`  [${new Date().toISOString().slice(11, 19)}] ${what}\n`);

/** samples[measure][column] */
const samples: Record<string, Record<string, number[]>> = {};
const add = (measure: string, col: string, ...v: number[]) => {
  ((samples[measure] ??= {})[col] ??= []).push(...v);
};

function startServer(kind: Kind, extra: string[] = [], nodeArgs: string[] = [], dir?: string): { child: Child; url: Promise<string> } {
  const child = spawnChild(dir ? `${dir}/bench/peers/server-${kind}.ts` : `server-${kind}.ts`, extra, nodeArgs);
  return { child, url: child.call<string>('url') };
}

// ---- the measures ----

async function joinNew(v: Variant, url: string, round: number): Promise<void> {
  for (let i = 0; i < P.joinNew; i++) {
    const t0 = now();
    const done = await sdkJoin(v.kind, url, `new-${v.col}-${round}`, `u${i}`, { token: v.token });
    add('joinNew', v.col, now() - t0);
    await done();
  }
}

async function joinKept(v: Variant, url: string, round: number): Promise<void> {
  const room = `kept-${v.col}-${round}`;
  // A room with company, so a join does its real work (member list, announcements).
  const company = await Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const p = await openPeer(v.kind, url);
      await p.join(room, `peer${i}`, { token: v.token });
      return p;
    }),
  );
  const p = await openPeer(v.kind, url);
  const warm = Math.floor(P.joinKept / 10);
  for (let i = 0; i < P.joinKept + warm; i++) {
    const t0 = now();
    await p.join(room, 'joiner', { token: v.token });
    if (i >= warm) add('joinKept', v.col, now() - t0);
    await p.leave();
  }
  for (const c of [p, ...company]) c.close();
}

/** Client processes, started once: forking one through tsx costs about as much as a round. */
let workers: Child[] = [];

/** A server of the join+leave row: its column, process (for its CPU time) and URL. */
interface PairsEntry {
  v: Variant;
  server: Child;
  url: string;
}

/**
 * 50 clients per server in rooms of 5 loop join/leave; pairs done over the server's CPU time.
 * Every server's clients are connected at once, and the servers take turns in slices (A B C D,
 * D C B A, ...), each a short warm-up and then 1/pairsSlices of pairsMs counted, as the fan-out's
 * events go in turn: whole windows seconds apart met this VM's drift one server at a time. A
 * round's figure per server: its pairs over its CPU time over all its slices.
 */
async function pairs(entries: PairsEntry[], profile?: string): Promise<void> {
  const w = workers[0]!;
  // A profile covers one window of one server.
  const slices = profile ? 1 : P.pairsSlices;
  const sliceMs = P.pairsMs / slices;
  const heap = profile?.endsWith('.heapprofile') ?? false;
  const total = new Map<Variant, { pairs: number; cpuMs: number }>();
  try {
    for (const e of entries) {
      await w.call('pairs-open', { set: e.v.col, kind: e.v.kind, url: e.url, clients: 50, perRoom: 5, token: e.v.token });
      total.set(e.v, { pairs: 0, cpuMs: 0 });
    }
    for (let i = 0; i < slices; i++) {
      for (const e of i % 2 === 0 ? entries : [...entries].reverse()) {
        await w.call('pairs-run', { set: e.v.col });
        await sleep(P.pairsWarmMs);
        if (profile) await e.server.call('profile-start', { heap });
        const c0 = await w.call<number>('pairs-count', { set: e.v.col });
        const cpu0 = await e.server.call<number>('cpu');
        await sleep(sliceMs);
        const c1 = await w.call<number>('pairs-count', { set: e.v.col });
        const cpu1 = await e.server.call<number>('cpu');
        if (profile) await e.server.call('profile-stop', { file: profile, heap });
        await w.call('pairs-pause', { set: e.v.col });
        const t = total.get(e.v)!;
        t.pairs += c1 - c0;
        t.cpuMs += cpu1 - cpu0;
      }
    }
  } finally {
    for (const e of entries) await w.call('pairs-close', { set: e.v.col });
  }
  for (const [v, t] of total) {
    add('pairsPerCpuS', v.col, t.pairs / (t.cpuMs / 1000));
    add('pairsPerS', v.col, t.pairs / ((slices * sliceMs) / 1000));
  }
}

/**
 * The kept-socket join and the paced fan-out rows run with the servers on CPU 0 and the clients
 * (this process, the workers) on the other CPUs (Linux, taskset), as a server's clients are other
 * machines: otherwise the scheduler may wake the receivers on the CPU of a server still writing
 * to its audience, and the audience rows time how the bench machine is shared; and a round
 * trip's minimum depends on whether client and server shared a CPU. `--no-pin`: no pinning;
 * `--pin`: every fan-out row pinned. Without taskset (or one CPU) nothing is pinned, and the
 * output says so.
 */
const PIN: 'none' | 'paced' | 'all' = args.includes('--no-pin') ? 'none' : args.includes('--pin') ? 'all' : 'paced';
let pinNote = '';
let serverChildren: Child[] = [];
/** The CPUs this process may run on (taskset's list, e.g. "0-3" or "0,2"), read once. */
let allowed: string | undefined;
function pin(on: boolean): void {
  if (PIN === 'none' || pinNote.startsWith('not')) return;
  const set = (list: string, pid: number) => {
    const r = spawnSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`taskset -a -p -c ${list} ${pid} failed (${r.error?.message ?? `exit ${r.status}`})`);
  };
  try {
    if (allowed === undefined) {
      const r = spawnSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
      allowed = r.status === 0 ? (/list:\s*(\S+)/.exec(r.stdout)?.[1] ?? '') : '';
      if (!allowed) throw new Error(`taskset: ${r.error?.message ?? 'no affinity list'}`);
    }
    const cpuList = allowed.split(',').flatMap((part) => {
      const [a, b] = part.split('-').map(Number) as [number, number | undefined];
      return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
    });
    if (cpuList.length < 2) throw new Error('one CPU');
    const [first, ...rest] = cpuList as [number, ...number[]];
    for (const c of serverChildren) set(on ? String(first) : allowed, c.proc.pid!);
    for (const pid of [process.pid, ...workers.map((w) => w.proc.pid!)]) set(on ? rest.join(',') : allowed, pid);
    pinNote = `the servers on CPU ${first}, the clients on CPUs ${rest.join(',')}`;
  } catch (e) {
    if (PIN === 'all') throw e;
    pinNote = `not pinned: ${(e as Error).message}`;
    // Whatever was pinned before the failure may run anywhere again.
    if (allowed)
      for (const pid of [...serverChildren.map((c) => c.proc.pid!), process.pid, ...workers.map((w) => w.proc.pid!)])
        spawnSync('taskset', ['-a', '-p', '-c', allowed, String(pid)], { stdio: 'ignore' });
  }
}

/**
 * Idle time before each event of the paced fan-out rows. On this machine (a VM) a process that
 * sat idle wakes slower: a request to a server idle for 5 ms took 0.46 ms to be read, one sent
 * right after the previous event 0.15 ms. The audience rows wait for the audience between events
 * anyway, so they are compared with a row without audience paced the same way.
 */
const PACE_MS = 5;

/** Per column, what the fan-out's audience was checked to hear: members x events, each exactly once. */
const audienceHeard: Record<string, { members: number; events: number }> = {};

/** The worker holding the audience while it is stopped (SIGSTOP), to be continued whatever happens. */
let stoppedPid: number | undefined;
const stopAudience = (pid: number) => {
  stoppedPid = pid;
  process.kill(pid, 'SIGSTOP');
};
const continueAudience = () => {
  if (stoppedPid === undefined) return;
  process.kill(stoppedPid, 'SIGCONT');
  stoppedPid = undefined;
};
process.on('exit', continueAudience);

/**
 * One sender, 19 receivers through the app-level client in a room on each server. First the
 * servers' events go in turn, one event each (A B C, C B A, ...), back to back, then each after
 * PACE_MS idle: this VM's speed drifts by a third within a minute, and events a millisecond apart
 * share the drift, where whole rounds a minute apart do not. Then, one server after the other, a
 * twin room (its own sender and 19 receivers) gets `invisible` more members,
 * held by a worker process, and events go to the two rooms in turn (A B, B A, ...), each paced
 * and timed the same way: the audience's slowdown is the twin room's time over the first room's,
 * from events a few milliseconds apart, so the machine's drift (on a shared VM, more than the
 * effect measured) falls on both alike. "Audience stopped": the worker is stopped (SIGSTOP) while
 * an event is timed, so its 1,000 sockets cost the bench machine no CPU then, as an audience of
 * other devices costs the server machine nothing but the kernel's loopback delivery, which the
 * server's write calls pay. Once the visible members heard the event, the worker continues and
 * must confirm that every audience member heard it, exactly once, before the next event.
 * "Audience reading": the old measure, the worker reading its 1,000 frames while the event is
 * timed, on the same cores as the server and the receivers. The same for every server.
 */
async function fanout(vs: Variant[], url: Record<string, string>, round: number, server?: Child, profile?: string): Promise<void> {
  const closers: (() => Promise<void>)[] = [];
  const senders: Peer[] = [];
  /** A sender and 19 receivers in a new room; the toggle goes on across the runs (muting a muted stream announces nothing). */
  const openRoom = async (v: Variant, room: string) => {
    const sender = await openPeer(v.kind, url[v.col]!);
    senders.push(sender);
    await sender.join(room, 'sender', { token: true });
    await sender.publish();
    const r = { v, room, waiting: 0, allIn: () => undefined as void, mute: () => sender.mute(toggles++ % 2 === 0) };
    let toggles = 0;
    closers.push(
      ...(await Promise.all(
        Array.from({ length: 19 }, (_, i) =>
          sdkReceiver(v.kind, url[v.col]!, room, `r${i}`, () => {
            if (--r.waiting === 0) r.allIn();
          }),
        ),
      )),
    );
    return r;
  };
  // With an audience, the next event waits until the audience heard this one: each event is
  // timed on its own, not queued behind the previous event's thousand deliveries.
  let audience = 0;
  let heardEvents = 0;
  const w = workers[1]!;
  type Room = Awaited<ReturnType<typeof openRoom>>;
  type Opts = { paced?: boolean; stopped?: boolean; heard?: boolean };
  const event = async (r: Room, measure: string, counted: boolean, o: Opts) => {
    r.waiting = 19;
    const all = new Promise<void>((res) => (r.allIn = res));
    if (o.paced) await sleep(PACE_MS);
    if (o.stopped) stopAudience(w.proc.pid!);
    const t0 = now();
    const answered = r.mute();
    const late = setTimeout(() => progress(`${r.v.col}: an event in ${r.room} still missing at ${r.waiting} of 19 receivers after 10 s`), 10_000);
    await all;
    clearTimeout(late);
    const t1 = now();
    await answered;
    continueAudience();
    if (o.heard) {
      heardEvents++;
      const deaf = setTimeout(() => progress(`${r.v.col}: an event not yet heard by all ${audience} invisible members after 10 s`), 10_000);
      const members = await w.call<number>('heard', { events: heardEvents });
      clearTimeout(deaf);
      if (members !== audience) throw new Error(`${r.v.col}: ${members} invisible members checked, ${audience} expected`);
    }
    if (counted) add(measure, r.v.col, t1 - t0);
  };
  const warm = Math.floor(P.events / 10);
  /** The rooms' events in turn, the order flipped every time, so no room always follows another. */
  const inTurn = async (rooms: [Room, string, Opts?][]) => {
    for (let i = 0; i < P.events + warm; i++) {
      for (const [r, measure, o] of i % 2 === 0 ? rooms : [...rooms].reverse()) await event(r, measure, i >= warm, o ?? {});
    }
  };
  try {
    const first: Room[] = [];
    for (const v of vs) {
      progress(`fan-out ${v.col}: a room of 20`);
      first.push(await openRoom(v, `fan-${v.col}-${round}`));
    }
    progress(`fan-out: ${vs.map((v) => v.col).join(', ')} in turn`);
    await inTurn(first.map((r) => [r, 'fanout']));
    if (PIN === 'paced') pin(true);
    await inTurn(first.map((r) => [r, 'fanoutPaced', { paced: true }]));
    if (PIN === 'paced') pin(false);
    for (const a of first) {
      const b = await openRoom(a.v, `fan-${a.v.col}-${round}-audience`);
      progress(`fan-out ${a.v.col}: ${P.invisible} invisible members join`);
      await w.call('hold', { kind: a.v.kind, url: url[a.v.col], count: P.invisible, room: b.room, visible: false, first: 0, heartbeat: false });
      audience = P.invisible;
      heardEvents = 0;
      if (PIN === 'paced') pin(true);
      if (profile) await server!.call('profile-start');
      const twin = { paced: true, stopped: true };
      await inTurn([
        [a, 'fanoutTwin', twin],
        [b, 'fanoutInvisible', { ...twin, heard: true }],
      ]);
      if (profile) await server!.call('profile-stop', { file: profile });
      await inTurn([[b, 'fanoutInvisibleReading', { paced: true, heard: true }]]);
      if (PIN === 'paced') pin(false);
      const heard = (audienceHeard[a.v.col] ??= { members: audience, events: 0 });
      heard.events += heardEvents;
      await w.call('drop');
      audience = 0;
    }
  } finally {
    continueAudience();
    if (PIN === 'paced') pin(false);
    await w.call('drop');
    for (const s of senders) s.close();
    for (const c of closers) await c();
  }
}

type Mem = { rss: number; heap: number };

/**
 * `count` joined idle sockets in rooms of 20 with the 5 s heartbeat, on a fresh server of each
 * kind, all held at once, each server's by a worker of its own; every server's CPU is read over
 * the same window. (One window per server in turn let the machine's drift of that minute decide
 * the ratio: 0.93x to 1.37x socket.io from run to run.)
 */
async function idle(vs: Variant[], count: number): Promise<void> {
  const all = vs.map((v) => ({ v, server: startServer(v.kind, [], [], v === OURS_B ? OURS_B_DIR : undefined), holder: spawnChild('worker.ts') }));
  const each = <T>(f: (x: (typeof all)[number], i: number) => Promise<T>): Promise<T[]> => Promise.all(all.map(f));
  try {
    const urls = await each((x) => x.server.url);
    const m0 = await each((x) => x.server.child.call<Mem>('mem'));
    await each((x, i) =>
      x.holder.call('hold', { kind: x.v.kind, url: urls[i], count, roomPrefix: 'idle', perRoom: 20, visible: true, first: 0, heartbeat: true }),
    );
    await sleep(P.idleSettleMs);
    const m1 = await each((x) => x.server.child.call<Mem>('mem'));
    const cpu0 = await each((x) => x.server.child.call<number>('cpu'));
    await sleep(P.idleWindowMs);
    const cpu1 = await each((x) => x.server.child.call<number>('cpu'));
    all.forEach(({ v }, i) => {
      add('idleRss', v.col, (m1[i]!.rss - m0[i]!.rss) / count / 1024);
      add('idleHeap', v.col, (m1[i]!.heap - m0[i]!.heap) / count / 1024);
      add('idleCpu', v.col, ((cpu1[i]! - cpu0[i]!) / P.idleWindowMs) * 100);
    });
  } finally {
    for (const x of all) {
      await x.holder.kill();
      await x.server.child.kill();
    }
  }
}

/**
 * Memory the resume buffers take: `members` invisible members hear `toggles` mute events. With
 * `park`, their sockets drop first and the sessions wait within their grace period, as after a
 * network cut: events then only go into the buffers (the room-size budget case). Counted: the JS
 * heap plus typed-array stores (the room log's bitmaps live outside the heap). A session's own
 * place in the log (three numbers) is made at its join, before this window.
 */
async function resumeBuffers(members: number, park: boolean): Promise<void> {
  const s = startServer('ours', [String(10 * 60_000)]);
  const url = await s.url;
  const w = workers[0]!;
  let sender: Peer | undefined;
  const warm: Peer[] = [];
  try {
    // Events first in another room (to one invisible member) until the server's heap no longer
    // grows with them (it does for a few thousand: compiled code, caches): the window then counts
    // the buffers. Not in the smoke run, whose figures mean nothing.
    warm.push(await openPeer('ours', url), await openPeer('ours', url));
    await warm[0]!.join('warm', 'sender');
    await warm[1]!.join('warm', 'member', { visible: false });
    await warm[0]!.publish();
    for (let i = 0; i < (SMOKE ? 0 : 4 * P.toggles); i++) await warm[0]!.mute(i % 2 === 0);
    sender = await openPeer('ours', url);
    await sender.join('resume', 'sender');
    await sender.publish();
    await w.call('hold', { kind: 'ours', url, count: members, room: 'resume', visible: false, first: 0, heartbeat: false });
    type Mem = { heap: number; arrayBuffers: number };
    const used = (m: Mem) => m.heap + m.arrayBuffers;
    let m0 = await s.child.call<Mem>('mem');
    if (park) {
      await w.call('drop');
      // The server parks the dropped sessions over a while (more so under load): the window
      // starts once its memory holds still (within 256 KiB over 0.5 s), or after 10 s.
      for (let i = 0, last = used(m0); i < 20; i++) {
        await sleep(500);
        m0 = await s.child.call<Mem>('mem');
        if (Math.abs(used(m0) - last) < 2 ** 18) break;
        last = used(m0);
      }
    }
    for (let i = 0; i < P.toggles; i++) await sender.mute(i % 2 === 0);
    // Live members: every frame read by the worker first, so none waits in a socket's buffers.
    if (!park) await w.call('heard', { events: P.toggles });
    const m1 = await s.child.call<Mem>('mem');
    if (park) add('resumeRoomMiB', OURS.col, (used(m1) - used(m0)) / 2 ** 20);
    else add('resumeHeap', OURS.col, (used(m1) - used(m0)) / members / 1024);
  } finally {
    sender?.close();
    for (const p of warm) p.close();
    await w.call('drop');
    await s.child.kill();
  }
}

function bundle(): void {
  const f = `${root}/dist/VolcEngineRTC_MiniApp.js`;
  if (existsSync(f)) add('bundle', OURS.col, gzipSync(readFileSync(f), { level: 9 }).length);
}

let codegenStatus = 'exit 0';
function codegenCold(): void {
  const time = (argv: string[]) => {
    const t0 = now();
    // A check that finds the generated files stale still did the whole check: its time counts.
    const r = spawnSync(process.execPath, argv, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) codegenStatus = `exit ${r.status}`;
    return (now() - t0) / 1000;
  };
  for (let i = 0; i < P.codegenRuns; i++) {
    add('codegen', OURS.col, time(['--import', 'tsx', 'codegen/cli.ts', '--check']));
    add('codegen', FLOOR.col, time(['-e', '0']));
  }
}

// ---- the table ----

function versions(): string {
  const req = createRequire(import.meta.url);
  const v = (p: string) => (req(`${p}/package.json`) as { version: string }).version;
  return `socket.io ${v('socket.io')}, socket.io-client ${v('socket.io-client')}, ws ${v('ws')}`;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface Row {
  name: string;
  key: string;
  unit: (x: number) => string;
  /** median, or min for latency where the floor's minimum is the fair comparison */
  of?: (xs: number[]) => number;
  higherIsBetter?: boolean;
}

/**
 * What the resume buffers of a 10,000-member room may take (checked in the full run): its log's
 * 512 entries with a 10,000-bit row each (0.62 MiB), their frames, 8 bytes per slot for the
 * entries gone; measured 0.48-0.72 MiB.
 */
const BUDGET_MIB = 1.5;
const ms = (x: number) => `${x.toFixed(3)} ms`;
const kib = (x: number) => `${x.toFixed(1)} KiB`;

function table(idleCount: number): string {
  const rows: Row[] = [
    { name: 'join, new socket each, SDK, median', key: 'joinNew', unit: ms },
    { name: 'join on a kept socket (protocol), median', key: 'joinKept', unit: ms },
    { name: 'join on a kept socket (protocol), minimum', key: 'joinKept', unit: ms, of: min },
    { name: 'join+leave pairs per server CPU-second, 50 clients', key: 'pairsPerCpuS', unit: (x) => x.toFixed(0), higherIsBetter: true },
    { name: 'join+leave pairs per wall second, 50 clients', key: 'pairsPerS', unit: (x) => x.toFixed(0), higherIsBetter: true },
    { name: 'event to the last of 19 others, SDK receivers, median', key: 'fanout', unit: ms },
    { name: `same, each event after ${PACE_MS} ms idle, server and clients on separate CPUs (as the rows below), median`, key: 'fanoutPaced', unit: ms },
    {
      name: `twin room, paced the same, its events in turn with the next row's (the audience's baseline; audience stopped while timed), median`,
      key: 'fanoutTwin',
      unit: ms,
    },
    { name: `twin room + ${P.invisible} invisible members (audience stopped while timed), last visible, median`, key: 'fanoutInvisible', unit: ms },
    {
      name: `twin room + ${P.invisible} invisible members reading on the bench machine meanwhile, last visible, median`,
      key: 'fanoutInvisibleReading',
      unit: ms,
    },
    { name: `${idleCount} idle joined sockets, 5 s heartbeat: RSS per socket`, key: 'idleRss', unit: kib },
    { name: 'same: heap per socket', key: 'idleHeap', unit: kib },
    { name: 'same: server CPU (% of one core)', key: 'idleCpu', unit: (x) => `${x.toFixed(1)} %` },
    {
      name: `resume buffers: heap + typed arrays per member, ${P.toggles} mute events, ${P.resumeMembers} invisible members`,
      key: 'resumeHeap',
      unit: (x) => `${x.toFixed(2)} KiB`,
    },
    {
      name: `resume buffers of one ${P.budgetMembers}-member room, members dropped within grace, ${P.toggles} events: heap + typed arrays (budget ${BUDGET_MIB} MiB at 10,000)`,
      key: 'resumeRoomMiB',
      unit: (x) => `${x.toFixed(2)} MiB`,
    },
    { name: 'bundle dist/VolcEngineRTC_MiniApp.js, gzip -9', key: 'bundle', unit: (x) => `${x.toLocaleString('en-US')} B` },
    { name: '`npm run codegen -- --check`, cold process (floor: `node -e 0`)', key: 'codegen', unit: (x) => `${x.toFixed(2)} s` },
  ];
  const cell = (r: Row, col: string) => {
    const xs = samples[r.key]?.[col];
    return xs?.length ? (r.of ?? median)(xs) : NaN;
  };
  const out = [
    '| measure | ours | bare `ws` floor | socket.io 4.8, token check | socket.io, no token check | ours / floor | ours / socket.io (token) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const [o, f, st, s] = ['ours', 'floor', 'sio+token', 'sio'].map((c) => cell(r, c)) as [number, number, number, number];
    const show = (x: number) => (Number.isFinite(x) ? r.unit(x) : '');
    const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}x` : '');
    out.push(`| ${r.name} | ${show(o)} | ${show(f)} | ${show(st)} | ${show(s)} | ${ratio(o, f)} | ${ratio(o, st)} |`);
  }
  return out.join('\n');
}

/**
 * The audience's slowdown: the audience room's median over its twin's, from events sent in turn
 * to the two rooms, per round and over all rounds. (The paced row is measured before the audience
 * joins, seconds earlier: on a shared machine the drift between the two is larger than the effect
 * measured, so it is not the baseline.)
 */
function audienceSlowdowns(): { text: string; all: Record<string, number> } | undefined {
  const cols = ROOMERS.map((v) => v.col).filter((c) => samples.fanoutInvisible?.[c]?.length && samples.fanoutTwin?.[c]?.length);
  if (!cols.length) return undefined;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  const all: Record<string, number> = {};
  const parts = cols.map((c) => {
    const twin = samples.fanoutTwin![c]!;
    const heard = samples.fanoutInvisible![c]!;
    const rounds = Math.min(twin.length, heard.length) / P.events;
    const ratios = Array.from(
      { length: rounds },
      (_, r) => median(heard.slice(r * P.events, (r + 1) * P.events)) / median(twin.slice(r * P.events, (r + 1) * P.events)) - 1,
    );
    all[c] = median(heard) / median(twin) - 1;
    return `${c} ${pct(all[c])} (rounds: ${ratios.map(pct).join(', ')})`;
  });
  return { text: `fan-out audience slowdown (the audience room over its twin, events in turn): ${parts.join('; ')}`, all };
}

/** --ours-b: the medians of ours and ours-b on each row both ran (join+leave, fan-out, idle CPU), over the floor and one over the other. */
function abSummary(dir: string): string {
  const rows = ['pairsPerCpuS', 'fanout', 'fanoutPaced', 'fanoutTwin', 'fanoutInvisible', 'idleCpu'].filter((k) => samples[k]?.['ours-b']?.length);
  const lines = rows.map((k) => {
    const [o, b, f] = ['ours', 'ours-b', 'floor'].map((c) => median(samples[k]![c] ?? []));
    const unit = k === 'pairsPerCpuS' ? '' : k === 'idleCpu' ? ' %' : ' ms';
    const all = (c: string) => (k === 'pairsPerCpuS' || k === 'idleCpu' ? ` [${samples[k]![c]!.map((x) => x.toFixed(0)).join(', ')}]` : '');
    return `  ${k}: ours ${o!.toFixed(3)}${unit}${all('ours')} (${(o! / f!).toFixed(2)}x floor), ours-b ${b!.toFixed(3)}${unit}${all('ours-b')} (${(b! / f!).toFixed(2)}x floor); ours / ours-b ${(o! / b!).toFixed(3)}`;
  });
  return [`A/B, ours-b = the server of ${dir}:`, ...lines].join('\n');
}

// ---- the run ----

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = load();
  console.log(`machine: ${machine()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${versions()}`);
  console.log(`load average (1/5/15 min) at start: ${loadStart}${SMOKE ? ' (smoke mode: tiny counts, figures meaningless)' : ''}`);

  if (PROFILE && opt('--measure') === 'fanout') {
    const v = ROOMERS.find((j) => j.col === (opt('--variant') ?? 'ours'))!;
    const s = startServer(v.kind);
    try {
      workers = [spawnChild('worker.ts'), spawnChild('worker.ts')];
      serverChildren = [s.child];
      await fanout([v], { [v.col]: await s.url }, 0, s.child, PROFILE);
    } finally {
      await s.child.kill();
      for (const w of workers) await w.kill();
    }
    const m = (k: string) => median(samples[k]![v.col]!).toFixed(3);
    console.log(`${v.col}: fan-out ${m('fanout')} ms, with the audience stopped ${m('fanoutInvisible')} ms; profile of that window written to ${PROFILE}`);
    return;
  }
  if (PROFILE) {
    const v = JOINERS.find((j) => j.col === (opt('--variant') ?? 'ours'))!;
    const s = startServer(v.kind);
    try {
      workers = [spawnChild('worker.ts')];
      await pairs([{ v, server: s.child, url: await s.url }], PROFILE);
    } finally {
      await s.child.kill();
      await workers[0]?.kill();
    }
    console.log(
      `${v.col}: join+leave pairs per server CPU-second: ${median(samples.pairsPerCpuS![v.col]!).toFixed(0)}; profile of the measured window written to ${PROFILE}`,
    );
    return;
  }

  workers = [spawnChild('worker.ts'), spawnChild('worker.ts')];
  const servers = { ours: startServer('ours'), floor: startServer('floor'), sio: startServer('sio') };
  const url = { ours: await servers.ours.url, floor: await servers.floor.url, sio: await servers.sio.url };
  const oursB = OURS_B_DIR ? startServer('ours', [], [], OURS_B_DIR) : undefined;
  /** The fan-out's rooms, by column. */
  const roomUrl: Record<string, string> = { ours: url.ours, floor: url.floor, 'sio+token': url.sio, ...(oursB ? { 'ours-b': await oursB.url } : {}) };
  const roomers = oursB ? [OURS, OURS_B, FLOOR, SIO_T] : ROOMERS;
  serverChildren = [...Object.values(servers), ...(oursB ? [oursB] : [])].map((x) => x.child);
  try {
    for (let round = 0; round < P.rounds; round++) {
      progress(`round ${round + 1} of ${P.rounds}`);
      if (want('joinNew')) for (const v of rotate(JOINERS, round)) await joinNew(v, url[v.kind], round);
      if (want('joinKept')) {
        // Pinned as the paced fan-out rows: a round trip's minimum otherwise depends on whether
        // the scheduler put client and server on one CPU (a direct hand-off) or on two.
        if (PIN !== 'none') pin(true);
        try {
          for (const v of rotate(JOINERS, round)) await joinKept(v, url[v.kind], round);
        } finally {
          if (PIN !== 'none') pin(false);
        }
      }
      if (want('pairs')) {
        const entries = rotate(oursB ? [...JOINERS, OURS_B] : JOINERS, round).map((v) =>
          v === OURS_B ? { v, server: oursB!.child, url: roomUrl['ours-b']! } : { v, server: servers[v.kind].child, url: url[v.kind] },
        );
        await pairs(entries);
      }
      if (want('fanout')) {
        if (PIN === 'all') pin(true);
        try {
          await fanout(rotate(roomers, round), roomUrl, round);
        } finally {
          if (PIN === 'all') pin(false);
        }
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.child.kill();
    await oursB?.child.kill();
  }
  const idleCount = Math.min(P.idle, 19_800);
  if (want('idle')) {
    // One window of two identical servers at once differed by up to 15 %: a full run takes the
    // median of three (fresh servers each), --idle-rounds N of N.
    const idleRounds = Number(opt('--idle-rounds') ?? (SMOKE ? 1 : 3));
    for (let r = 0; r < idleRounds; r++) {
      progress(`${idleCount} idle sockets on each server at once${idleRounds > 1 ? ` (round ${r + 1} of ${idleRounds})` : ''}`);
      await idle(OURS_B_DIR ? [OURS, OURS_B, FLOOR, SIO_T] : [OURS, FLOOR, SIO_T], idleCount);
    }
  }
  if (want('resume')) {
    progress('resume buffers');
    await resumeBuffers(P.resumeMembers, false);
    await resumeBuffers(P.budgetMembers, true);
  }
  for (const w of workers) await w.kill();
  if (want('bundle')) bundle();
  if (want('codegen')) codegenCold();

  if (LOADED)
    console.log(`note: load average ${loadStart} is above twice the ${cpus().length} cores: ${P.idle} idle sockets instead of 19800 (--idle N to choose)`);
  console.log(
    `rounds: ${P.rounds}, interleaved; ${P.joinNew} new-socket joins, ${P.joinKept} kept-socket joins, ${P.pairsMs} ms of join+leave, ${P.events} events per round and server`,
  );
  console.log(table(idleCount));
  if (pinNote) console.log(`kept-socket join and fan-out, ${PIN === 'all' ? 'every row' : 'the paced rows'}: ${pinNote}`);
  if (OURS_B_DIR) console.log(abSummary(OURS_B_DIR));
  const slowdowns = audienceSlowdowns();
  if (slowdowns) console.log(slowdowns.text);
  const heard = Object.entries(audienceHeard);
  if (heard.length)
    console.log(
      `fan-out audience: every invisible member heard each event exactly once (checked after each event): ${heard.map(([col, a]) => `${col} ${a.members} x ${a.events}`).join(', ')}`,
    );
  const room = samples.resumeRoomMiB?.ours?.[0];
  if (room !== undefined && P.budgetMembers === 10_000) {
    console.log(`resume buffer budget: ${room.toFixed(2)} MiB for 10,000 members, ${room <= BUDGET_MIB ? 'within' : 'OVER'} the ${BUDGET_MIB} MiB budget`);
    if (room > BUDGET_MIB) process.exitCode = 1;
  }
  if (codegenStatus !== 'exit 0') console.log(`note: \`codegen --check\` ended with ${codegenStatus} (generated files out of date in this tree)`);
  console.log(`load average at end: ${load()}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const json = opt('--json');
  if (json)
    writeFileSync(
      json,
      JSON.stringify({ smoke: SMOKE, idle: idleCount, loadStart, loadEnd: load(), samples, audienceHeard, audienceSlowdown: slowdowns?.all }, null, 1),
    );
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
