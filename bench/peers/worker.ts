// A client process: holds many joined sockets (idle members, invisible members) with their
// heartbeat, or runs the join+leave loop of many clients, so the measuring process and the
// servers each keep their own CPU.
import { serve } from './ipc.js';
import { openPeer, type Kind, type Peer } from './clients.js';
import { HEARTBEAT_MS } from './server-common.js';

const held: Peer[] = [];
const beats: NodeJS.Timeout[] = [];
/** Per held peer, the mute events it heard (the fan-out), and who waits for every peer to reach a count. */
let got: number[] = [];
let hearing: { events: number; left: number; resolve: () => void } | undefined;
/**
 * Join+leave loops by name (one per server): 50 clients each, kept connected between the slices of
 * a measure, so the servers' slices can go in turn; `looping` false pauses a set out of its rooms.
 */
interface LoopSet {
  peers: Peer[];
  perRoom: number;
  token: boolean;
  looping: boolean;
  loops: Promise<void>[];
  pairs: number;
}
const sets = new Map<string, LoopSet>();

/** Starts (or resumes) a set's loops: each client joins and leaves its room until paused. */
function runLoops(s: LoopSet): void {
  s.looping = true;
  s.loops = s.peers.map(async (p, i) => {
    const room = `pairs${Math.floor(i / s.perRoom)}`;
    while (s.looping) {
      await p.join(room, `p${i}`, { token: s.token });
      await p.leave();
      s.pairs++;
    }
  });
}

/** Stops a set's loops once each client has finished its pair (it is out of its room then). */
async function pause(s: LoopSet): Promise<void> {
  s.looping = false;
  await Promise.all(s.loops);
}

/** Runs `n` tasks with at most `width` at once. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

serve(async (m) => {
  switch (m.op) {
    case 'hold': {
      // m: kind, url, count, room (or roomPrefix + perRoom), visible, first (user index offset), heartbeat
      const kind = m.kind as Kind;
      await pool(m.count, 32, async (i) => {
        const p = await openPeer(kind, m.url);
        const n = m.first + i;
        const room = m.room ?? `${m.roomPrefix}${Math.floor(n / m.perRoom)}`;
        await p.join(room, `m${n}`, { visible: m.visible, token: true });
        const k = got.push(0) - 1;
        p.onEvent = (e) => {
          if (e !== 'mute-audio' && e !== 'unmute-audio') return;
          if (++got[k]! === hearing?.events && --hearing.left === 0) hearing.resolve();
        };
        held.push(p);
        if (m.heartbeat && kind !== 'sio') {
          // Spread the beats over the interval, as real clients joining at random times would.
          const start = setTimeout(() => {
            p.ping();
            beats.push(setInterval(() => p.ping(), HEARTBEAT_MS));
          }, Math.random() * HEARTBEAT_MS);
          beats.push(start);
        }
      });
      return held.length;
    }
    case 'drop': {
      for (const t of beats.splice(0)) clearTimeout(t);
      for (const p of held.splice(0)) p.close();
      got = [];
      hearing = undefined;
      return null;
    }
    case 'pairs-open': {
      // m: set, kind, url, clients, perRoom, token. Connects the set's clients; nothing loops yet.
      const peers = await Promise.all(Array.from({ length: m.clients }, () => openPeer(m.kind as Kind, m.url)));
      sets.set(m.set, { peers, perRoom: m.perRoom, token: m.token, looping: false, loops: [], pairs: 0 });
      return null;
    }
    case 'pairs-run':
      runLoops(sets.get(m.set)!);
      return null;
    case 'pairs-pause':
      await pause(sets.get(m.set)!);
      return null;
    case 'pairs-count':
      return sets.get(m.set)!.pairs;
    case 'pairs-close': {
      const s = sets.get(m.set);
      sets.delete(m.set);
      if (s) {
        await pause(s);
        for (const p of s.peers) p.close();
      }
      return null;
    }
    case 'heard': {
      // m: events. Resolves once every held peer heard that many mute events since it joined;
      // one that heard more (an event twice) is an error. Answers the number of peers checked.
      const left = got.filter((n) => n < m.events).length;
      if (left > 0) await new Promise<void>((resolve) => (hearing = { events: m.events, left, resolve }));
      hearing = undefined;
      const over = got.filter((n) => n > m.events).length;
      if (over > 0) throw new Error(`${over} held peers heard more than ${m.events} mute events`);
      return got.length;
    }
    case 'stop':
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown op ${m.op}`);
  }
});
