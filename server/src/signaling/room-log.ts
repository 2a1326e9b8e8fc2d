// The events a room keeps for its members' resumes: one bounded log per room, not a ring per member.
import { PROTOCOL_VERSION } from '@mprtc/protocol';

/** An event frame, serialized once: every member that hears the event is sent this very string. */
export const eventFrame = (event: string, data: unknown, seq: number): string => JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event, data, seq });

/** Shared empty arrays: a room that only joins and leaves allocates no rows, nor anything per slot. */
const NO_BITS = new Uint32Array(0);
const NO_GONE = new Float64Array(0);

/**
 * A room's last `size` events, numbered by the room (1, 2, ...), with who heard each. Each session
 * of the room has a slot, a small number reused once the session ends; an entry keeps one bit per
 * slot (a row of 32-bit words in one array for the whole log), set for the sessions it was sent
 * to. A session's own numbers therefore increase with gaps (the events it did not hear), and a
 * resume replays exactly the entries whose bit it has. When an entry leaves the log, each slot
 * that heard it remembers its seq, so a resume is refused exactly when something it was sent is
 * gone. A slot reused by a newer session does not inherit the older one's entries: a session only
 * looks at entries after its `start`.
 *
 * The entries double from 8 up to `size`, and the rows grow from 32 slots by half, so a small or
 * quiet room does not pay for a full one.
 */
export class RoomLog {
  private frames: string[] = [];
  /** `frames.length` rows of `words` words: bit s of a row = slot s heard that entry. */
  private bits = NO_BITS;
  private words = 1;
  /** Per slot, the seq of the last entry it heard that has left the log (made at the first such). */
  private gone = NO_GONE;
  /** The newest entry's event and data object: the next recipient of a room event shares it. */
  private newestEvent = '';
  private newestData: unknown = undefined;
  /** Seq of the newest entry (0 before the first). */
  private count = 0;
  /** Slots ever handed out; the free ones are reused first. */
  private slots = 0;
  private readonly free: number[] = [];
  /** Sessions holding a slot. */
  private seated = 0;

  constructor(private readonly size: number) {}

  get seq(): number {
    return this.count;
  }

  /** The oldest seq still kept (seq + 1 when none is). */
  get oldest(): number {
    return Math.max(1, this.count - this.size + 1);
  }

  /** A slot for a new session of the room. */
  seat(): number {
    this.seated++;
    const slot = this.free.pop() ?? this.slots++;
    if (slot >= this.words * 32) this.widen(Math.max(Math.ceil(this.words * 1.5), (slot >> 5) + 1));
    return slot;
  }

  /** The session of `slot` ended; true when the room has no session left (drop the log). */
  unseat(slot: number): boolean {
    this.free.push(slot);
    return --this.seated === 0;
  }

  /**
   * `slot` is sent (event, data): the newest entry when it is that same event object and newer
   * than `after` (the session's start or the last entry it heard: a session never gets a number
   * twice, nor one from before its start), else a new entry. Returns the entry's frame; its seq
   * is then {@link seq}.
   */
  record(slot: number, after: number, event: string, data: unknown): string {
    if (this.count === 0 || this.count <= after || this.newestData !== data || this.newestEvent !== event) this.append(event, data);
    const row = ((this.count - 1) % this.size) * this.words;
    this.bits[row + (slot >> 5)]! |= 1 << (slot & 31);
    return this.frames[(this.count - 1) % this.size]!;
  }

  /** Whether an entry `slot` heard with seq >= from has left the log. */
  goneSince(slot: number, from: number): boolean {
    return slot < this.gone.length && this.gone[slot]! >= from;
  }

  /**
   * The frames `slot` heard with seq in [from, to], oldest first (from > the session's start; the
   * caller has checked with {@link goneSince} that none of them is gone).
   */
  framesFor(slot: number, from: number, to: number): string[] {
    const out: string[] = [];
    const word = slot >> 5;
    const bit = 1 << (slot & 31);
    for (let seq = Math.max(from, this.oldest); seq <= to; seq++) {
      const i = (seq - 1) % this.size;
      if (this.bits[i * this.words + word]! & bit) out.push(this.frames[i]!);
    }
    return out;
  }

  private append(event: string, data: unknown): void {
    const seq = ++this.count;
    this.newestEvent = event;
    this.newestData = data;
    // Before the log is full, seq - 1 < size: an entry's index is the same whatever the length.
    if (seq > this.frames.length && this.frames.length < this.size) this.grow(Math.min(this.size, Math.max(8, this.frames.length * 2)));
    const i = (seq - 1) % this.size;
    if (seq > this.size) this.forget(i, seq - this.size);
    this.frames[i] = eventFrame(event, data, seq);
    this.bits.fill(0, i * this.words, (i + 1) * this.words);
  }

  /** Entry `seq` (row `i`) leaves the log: each slot that heard it notes its seq. */
  private forget(i: number, seq: number): void {
    if (this.gone.length < this.words * 32) {
      const gone = new Float64Array(this.words * 32);
      gone.set(this.gone);
      this.gone = gone;
    }
    for (let w = 0; w < this.words; w++) {
      // The set bits of the word, lowest first (b & -b isolates the lowest).
      for (let b = this.bits[i * this.words + w]!; b !== 0; b &= b - 1) this.gone[w * 32 + 31 - Math.clz32(b & -b)] = seq;
    }
  }

  /** More entries (only while the log is not full: indexes stay put). */
  private grow(rows: number): void {
    const frames = new Array<string>(rows);
    for (let i = 0; i < this.frames.length; i++) frames[i] = this.frames[i]!;
    const bits = new Uint32Array(rows * this.words);
    bits.set(this.bits);
    this.frames = frames;
    this.bits = bits;
  }

  /** More slots per entry: each row is copied into a wider one. */
  private widen(words: number): void {
    const rows = this.frames.length;
    const was = this.words;
    this.words = words;
    if (rows === 0) return;
    const bits = new Uint32Array(rows * words);
    for (let r = 0; r < rows; r++) bits.set(this.bits.subarray(r * was, (r + 1) * was), r * words);
    this.bits = bits;
  }
}
