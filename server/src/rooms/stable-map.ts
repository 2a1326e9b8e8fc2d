/** The index's number for a deleted key it still holds. */
const GONE = -1;

/**
 * A Map by string key, in insertion order like Map, whose cost stays flat when the same key is
 * deleted and set again and again (a user who leaves and rejoins a room, a room emptied and
 * created again). V8's Map keeps a deleted entry in its key's hash chain until the table is
 * rebuilt, which happens only after as many changes as the table has free room: one key churning
 * in a 10,000-entry Map makes each lookup of it walk thousands of dead entries (24 us per
 * set+get+delete, against 0.3 us for fresh keys, on a loaded 2-core machine). Here the ordered
 * values are keyed by a number never used twice, and the index from key to number keeps a
 * deleted key with no number (set again in place) until deleted keys outnumber the live ones,
 * then is rebuilt.
 */
export class StableMap<V> {
  /** The values in insertion order, by entry number. */
  private vals = new Map<number, V>();
  /** Each entry's key, in the same order (set and deleted with vals). */
  private keyAt = new Map<number, string>();
  /** Key -> entry number; GONE for a deleted key still held. */
  private index = new Map<string, number>();
  private next = 0;
  private deleted = 0;

  constructor(entries?: Iterable<readonly [string, V]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.vals.size;
  }

  get(key: string): V | undefined {
    const n = this.index.get(key);
    return n === undefined || n === GONE ? undefined : this.vals.get(n);
  }

  has(key: string): boolean {
    const n = this.index.get(key);
    return n !== undefined && n !== GONE;
  }

  /** As Map.set: a present key keeps its place; a new one (or one deleted before) comes last. */
  set(key: string, value: V): this {
    let n = this.index.get(key);
    if (n !== undefined && n !== GONE) {
      this.vals.set(n, value);
      return this;
    }
    if (n === GONE) this.deleted--;
    n = this.next++;
    this.vals.set(n, value);
    this.keyAt.set(n, key);
    this.index.set(key, n);
    return this;
  }

  delete(key: string): boolean {
    const n = this.index.get(key);
    if (n === undefined || n === GONE) return false;
    this.vals.delete(n);
    this.keyAt.delete(n);
    this.index.set(key, GONE);
    if (++this.deleted > 64 && this.deleted > this.vals.size) this.rebuild();
    return true;
  }

  clear(): void {
    this.vals = new Map();
    this.keyAt = new Map();
    this.index = new Map();
    this.deleted = 0;
  }

  /** The values in order: the Map's own iterator (iterating a room's members costs what a Map's does). */
  values(): IterableIterator<V> {
    return this.vals.values();
  }

  keys(): IterableIterator<string> {
    return this.keyAt.values();
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [n, key] of this.keyAt) yield [key, this.vals.get(n) as V];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** The deleted keys held are dropped (the live ones keep their numbers, so the order stays). */
  private rebuild(): void {
    const index = new Map<string, number>();
    for (const [n, key] of this.keyAt) index.set(key, n);
    this.index = index;
    this.deleted = 0;
  }
}
