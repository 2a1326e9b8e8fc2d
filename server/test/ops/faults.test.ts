// Unexpected failures inside the server (a broken store, a relay call that throws) go to the
// server's logger when it has one, as `event: "fault"` lines with any URL query cut; without a
// logger they still reach stderr. The client gets SERVER_ERROR either way and the server serves on.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODES } from '../../src/codes.js';
import { createLogger } from '../../src/ops/logger.js';
import { InMemoryRoomStore } from '../../src/rooms/store.js';
import type { RoomKey, RoomRecord } from '../../src/rooms/model.js';
import { RawClient } from '../support/client.js';
import { serve } from '../support/server.js';

/** A room store that fails (as a bug would) for one room and works for the others. */
class BrokenFor extends InMemoryRoomStore {
  constructor(private readonly roomId: string) {
    super();
  }
  // update() goes through updateNow() too.
  override updateNow<T>(key: RoomKey, fn: (room: RoomRecord) => T): T {
    if (key.roomId === this.roomId) throw new Error('store broke on rtmp://relay/live/x?e=1&sig=SIGNED-QUERY-0123');
    return super.updateNow(key, fn);
  }
}

function sink(): { stream: Writable; lines: () => Record<string, any>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c, _e, done) {
      chunks.push(String(c));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l)),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('faults', () => {
  it('go to the configured logger (query cut), not to stderr; the server serves on', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = sink();
    const { url, track } = await serve({ store: new BrokenFor('broken'), logger: createLogger({ level: 'info', destination: out.stream }) });
    const a = track(await RawClient.connect(url));
    const r = await a.join('broken', 'alice');
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe(CODES.SERVER_ERROR);
    const b = track(await RawClient.connect(url));
    expect((await b.join('fine', 'bob')).ok).toBe(true);
    const fault = out.lines().find((l) => l.event === 'fault');
    expect(fault).toMatchObject({ level: 50, what: 'request failed', error: { name: 'Error', message: expect.stringContaining('store broke') } });
    expect(fault!.error.stack).toEqual(expect.any(String));
    expect(out.text()).not.toContain('SIGNED-QUERY');
    expect(stderr).not.toHaveBeenCalled();
  });

  it('go to stderr when no logger is configured', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { url, track } = await serve({ store: new BrokenFor('broken') });
    const a = track(await RawClient.connect(url));
    expect((await a.join('broken', 'alice')).error?.code).toBe(CODES.SERVER_ERROR);
    expect(stderr).toHaveBeenCalledWith('[mprtc-server] request failed:', expect.any(Error));
  });
});
