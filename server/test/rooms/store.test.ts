import { describe, expect, it } from 'vitest';
import { InMemoryRoomStore, type RoomStore } from '../../src/rooms/store.js';

// The contract every RoomStore must keep (a Redis store would run the same checks).
function contract(make: () => RoomStore): void {
  const member = (userId: string) => ({ userId, sessionId: `s-${userId}`, visible: true, businessId: null, joinedAt: 0, tokenExpireAt: 0, privileges: new Map() });

  it('creates a room on update, keeps it while it has members, deletes it when empty', async () => {
    const store = make();
    const key = { appId: 'a', roomId: 'r' };
    expect(await store.read(key, (r) => r)).toBeUndefined();
    await store.update(key, (r) => void r.members.set('u', member('u')));
    expect(await store.read(key, (r) => r?.members.size)).toBe(1);
    await store.update(key, (r) => void r.members.delete('u'));
    expect(await store.read(key, (r) => r)).toBeUndefined();
    // An update that adds nobody leaves no empty room behind.
    await store.update({ appId: 'a', roomId: 'ghost' }, () => 1);
    expect(await store.list()).toEqual([]);
  });

  it('keys rooms by app and room id, and lists them per app', async () => {
    const store = make();
    await store.update({ appId: 'a', roomId: 'r' }, (r) => void r.members.set('u', member('u')));
    await store.update({ appId: 'b', roomId: 'r' }, (r) => void r.members.set('v', member('v')));
    expect(await store.read({ appId: 'a', roomId: 'r' }, (r) => [...r!.members.keys()])).toEqual(['u']);
    expect(await store.list('b')).toEqual([{ appId: 'b', roomId: 'r' }]);
    expect((await store.list()).length).toBe(2);
  });

  it('returns what the callback returns and passes its exception on', async () => {
    const store = make();
    expect(await store.update({ appId: 'a', roomId: 'r' }, () => 42)).toBe(42);
    await expect(store.update({ appId: 'a', roomId: 'r' }, () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(store.read({ appId: 'a', roomId: 'r' }, () => { throw new Error('bang'); })).rejects.toThrow('bang');
  });
}

describe('InMemoryRoomStore', () => contract(() => new InMemoryRoomStore()));
