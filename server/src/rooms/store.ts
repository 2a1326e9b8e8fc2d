import { emptyRoom, roomKeyString, type RoomKey, type RoomRecord } from './model.js';
import { StableMap } from './stable-map.js';

/**
 * Where room state lives. Every change goes through `update`, which gives the callback exclusive
 * access to one room. The callback must be free of side effects (it may be run again by a store
 * with optimistic concurrency, e.g. Redis WATCH/MULTI): the room logic returns its effects
 * (events, media calls) and the service runs them after the update committed.
 */
export interface RoomStore {
  /** Runs fn on the room (created empty when absent); a room left with no member is deleted. */
  update<T>(key: RoomKey, fn: (room: RoomRecord) => T): Promise<T>;
  /** The same, done at once: a store in this process needs no round trip (the service skips a wait). */
  updateNow?<T>(key: RoomKey, fn: (room: RoomRecord) => T): T;
  /** Runs fn on a read-only view of the room, or undefined when there is no such room. */
  read<T>(key: RoomKey, fn: (room: RoomRecord | undefined) => T): Promise<T>;
  /** Keys of the rooms that exist, optionally of one app. */
  list(appId?: string): Promise<RoomKey[]>;
}

/** One process, one map. JavaScript runs fn to completion, so no lock is needed. */
export class InMemoryRoomStore implements RoomStore {
  /** A StableMap: a room emptied and created again and again (a call one user keeps rejoining) stays cheap among many. */
  private readonly rooms = new StableMap<RoomRecord>();

  update<T>(key: RoomKey, fn: (room: RoomRecord) => T): Promise<T> {
    try {
      return Promise.resolve(this.updateNow(key, fn));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  updateNow<T>(key: RoomKey, fn: (room: RoomRecord) => T): T {
    const k = roomKeyString(key);
    const room = this.rooms.get(k) ?? emptyRoom(key);
    try {
      return fn(room);
    } finally {
      if (room.members.size === 0) this.rooms.delete(k);
      else this.rooms.set(k, room);
    }
  }

  read<T>(key: RoomKey, fn: (room: RoomRecord | undefined) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.rooms.get(roomKeyString(key))));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  list(appId?: string): Promise<RoomKey[]> {
    const keys: RoomKey[] = [];
    for (const r of this.rooms.values()) {
      if (appId === undefined || r.appId === appId) keys.push({ appId: r.appId, roomId: r.roomId });
    }
    return Promise.resolve(keys);
  }
}
