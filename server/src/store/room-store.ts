// Rooms in Redis: the RoomStore contract with optimistic concurrency. `update` reads the record
// with its write id, runs the (side-effect free) callback on a decoded copy, and commits with a
// Lua compare-and-set; when another node wrote in between, it reads again and re-runs the
// callback. Updates of one room on this node wait for each other first, so conflicts only come
// from other nodes. Limits stay exact across nodes: a join is counted against the record it
// committed on.
import type { Redis } from 'ioredis';
import { emptyRoom, type RoomKey, type RoomRecord } from '../rooms/model.js';
import type { RoomStore } from '../rooms/store.js';
import { StoreUnavailable } from './errors.js';
import { decodeRoom, encodeRoom } from './codec.js';
import { keys } from './keys.js';
import { COMMIT } from './scripts.js';

/** An event or kick to publish with the change that caused it. */
export type OutItem = { kind: 'e'; sessionId: string; framePrefix: string } | { kind: 'k'; sessionId: string; code: number; reason: string };

export interface RedisRoomStoreOptions {
  /** Picks, from an update's result, the events and kicks to number and deliver with the commit. */
  route?: (result: unknown) => OutItem[] | null;
  /** Told of each result whose commit went through (the items `route` picked were delivered). */
  committed?: (result: unknown) => void;
  /** Writer prefix of write ids (unique per node). */
  writer?: string;
  /** Events kept per session for a resume. Default 512. */
  ringSize?: number;
  /** How long a kicked session is remembered (a resume then hears KICKED). Default 20000. */
  kickedTtlMs?: number;
  /** Conflicts retried before giving up with StoreUnavailable. Default 200. */
  maxAttempts?: number;
}

export class RedisRoomStore implements RoomStore {
  private readonly tails = new Map<string, Promise<unknown>>();
  private writes = 0;
  private readonly writer: string;
  /** Compare-and-set conflicts seen (for benchmarks and tests). */
  conflicts = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisRoomStoreOptions = {},
  ) {
    this.writer = opts.writer ?? Math.random().toString(36).slice(2, 10);
  }

  update<T>(key: RoomKey, fn: (room: RoomRecord) => T): Promise<T> {
    return this.serial(keys.room(key), () => this.attempt(key, fn));
  }

  async read<T>(key: RoomKey, fn: (room: RoomRecord | undefined) => T): Promise<T> {
    const d = await this.redis.hget(keys.room(key), 'd');
    return fn(d ? decodeRoom(key, d) : undefined);
  }

  async list(appId?: string): Promise<RoomKey[]> {
    const apps = appId !== undefined ? [appId] : await this.apps();
    const out: RoomKey[] = [];
    for (const app of apps) {
      const ids = await this.redis.smembers(keys.appRooms(app));
      for (const roomId of ids.sort()) {
        const key = { appId: app, roomId };
        if (await this.redis.exists(keys.room(key))) out.push(key);
        // Gone: prune lazily (a room re-created meanwhile adds itself back on its next creation).
        else await this.redis.srem(keys.appRooms(app), roomId);
      }
    }
    return out;
  }

  private async apps(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', 'mprtc:rooms:*', 'COUNT', 100);
      cursor = next;
      for (const k of batch) found.push(decodeURIComponentSafe(k.slice('mprtc:rooms:{'.length, -1)));
    } while (cursor !== '0');
    return found.sort();
  }

  /** Runs one room's updates on this node one after another. */
  private serial<T>(k: string, work: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(k) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(k, tail);
    void tail.then(() => {
      if (this.tails.get(k) === tail) this.tails.delete(k);
    });
    return next;
  }

  private async attempt<T>(key: RoomKey, fn: (room: RoomRecord) => T): Promise<T> {
    const roomKey = keys.room(key);
    const max = this.opts.maxAttempts ?? 200;
    for (let attempt = 0; attempt < max; attempt++) {
      const [v, d] = await this.redis.hmget(roomKey, 'v', 'd');
      const room = d ? decodeRoom(key, d) : emptyRoom(key);
      const result = fn(room);
      const data = room.members.size === 0 ? '' : encodeRoom(room);
      const items = this.opts.route?.(result) ?? [];
      // Nothing changed and nothing to say (a refused request): no write at all.
      if (data === (d ?? '') && items.length === 0) {
        this.opts.committed?.(result);
        return result;
      }
      const keyList = [roomKey];
      const args: (string | number)[] = [
        v ?? '',
        `${this.writer}.${++this.writes}`,
        data,
        this.opts.ringSize ?? 512,
        this.opts.kickedTtlMs ?? 20_000,
        keys.channel(''),
      ];
      for (const it of items) {
        keyList.push(keys.session(key, it.sessionId), keys.ring(key, it.sessionId), keys.answers(key, it.sessionId));
        if (it.kind === 'e') args.push('e', it.sessionId, it.framePrefix);
        else args.push('k', it.sessionId, JSON.stringify({ code: it.code, reason: it.reason }));
      }
      if ((await COMMIT.run(this.redis, keyList, args)) === 1) {
        this.opts.committed?.(result);
        if (!d && data) await this.redis.sadd(keys.appRooms(key.appId), key.roomId);
        return result;
      }
      this.conflicts++;
      // Another node won: back off a little (randomised, growing) and run fn on the new record.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, 1 + attempt)));
    }
    throw new StoreUnavailable(`room ${key.appId}/${key.roomId}: ${max} conflicting writes in a row`);
  }
}

function decodeURIComponentSafe(s: string): string {
  return s.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
