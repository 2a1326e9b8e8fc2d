// One timer per server looks at every socket's join and idle deadlines, instead of two timers per
// socket: on a server holding tens of thousands of idle sockets those timer objects cost memory,
// and re-arming them CPU. The deadlines themselves sit in two typed arrays by socket slot, so a
// sweep reads 16 bytes per socket and touches a socket's objects only once a deadline of it has
// passed. (Asking every socket object instead took 356 us a sweep at 4,950 idle sockets, against
// 19 us: each object, idle in memory since the last sweep, missed the caches; bench/README.md.)

export interface Swept {
  /** Closes the socket if one of its deadlines passed at `now` (it decides; the index only filters). */
  sweep(now: number): void;
}

/**
 * Each socket's deadlines by slot. They only filter: a socket whose deadlines both lie ahead is
 * not looked at, one with a deadline passed is asked to sweep itself. So a deadline kept here must
 * never be later than the socket's own (earlier only costs a look).
 */
export class Deadlines {
  /** When the socket is idle unless heard from again (ms). */
  private idleDue = new Float64Array(64);
  /** When the socket must be in a room by (ms); Infinity while it is in one. */
  private joinDue = new Float64Array(64);
  private owners: (Swept | undefined)[] = [];
  private readonly free: number[] = [];
  /** Slots handed out so far (free ones are reused first). */
  private used = 0;

  get size(): number {
    return this.used - this.free.length;
  }

  /** A slot for a new socket, with both deadlines at `idleAt` and `joinAt`. */
  add(owner: Swept, idleAt: number, joinAt: number): number {
    const slot = this.free.pop() ?? this.used++;
    if (slot >= this.idleDue.length) {
      const idle = new Float64Array(this.idleDue.length * 2);
      const join = new Float64Array(this.joinDue.length * 2);
      idle.set(this.idleDue);
      join.set(this.joinDue);
      this.idleDue = idle;
      this.joinDue = join;
    }
    this.owners[slot] = owner;
    this.idleDue[slot] = idleAt;
    this.joinDue[slot] = joinAt;
    return slot;
  }

  /** The socket of `slot` is gone; the slot is free for another. */
  remove(slot: number): void {
    this.owners[slot] = undefined;
    this.idleDue[slot] = Infinity;
    this.joinDue[slot] = Infinity;
    this.free.push(slot);
  }

  setIdleDue(slot: number, at: number): void {
    this.idleDue[slot] = at;
  }

  /** Infinity: the socket is in a room (no join deadline). */
  setJoinDue(slot: number, at: number): void {
    this.joinDue[slot] = at;
  }

  /** Asks every socket with a deadline at or before `now` to sweep itself; one that throws does not stop the rest. */
  sweep(now: number, fault: (e: unknown) => void): void {
    const { idleDue, joinDue, owners } = this;
    for (let i = 0; i < this.used; i++) {
      if (now < idleDue[i]! && now < joinDue[i]!) continue;
      const owner = owners[i];
      if (owner === undefined) continue;
      try {
        owner.sweep(now);
      } catch (e) {
        // One socket's failure must not spare the others their deadlines (nor crash the server).
        fault(e);
      }
    }
  }
}

/**
 * How often the sweep runs: a deadline is acted on at most this late. An eighth of the shorter
 * timeout and at most a second (the defaults, 15 s and 60 s, give a second).
 */
export function sweepEveryMs(joinTimeoutMs: number, idleTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(joinTimeoutMs, idleTimeoutMs) / 8)));
}

/** Sweeps `deadlines` every `everyMs`; returns the stop. */
export function startSweep(deadlines: Deadlines, everyMs: number, fault: (e: unknown) => void, clock: () => number = Date.now): () => void {
  const timer = setInterval(() => deadlines.sweep(clock(), fault), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
