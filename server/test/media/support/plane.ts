import type { MediaEvent, StreamKey } from '../../../src/media/plane.js';
import type { RelayMediaPlane } from '../../../src/media/relay/index.js';

export const SECRET = 'media-test-secret-0123456789';

export function inAMinute(): number {
  return Math.floor(Date.now() / 1000) + 60;
}

let counter = 0;
/** A fresh stream key per test, with the characters ids may carry. */
export function freshKey(overrides: Partial<StreamKey> = {}): StreamKey {
  counter += 1;
  return { appId: 'app-0123.test@corp', roomId: `room_${counter}.a-b`, userId: `user@${counter}.x`, screen: false, ...overrides };
}

/** Records every event of a plane, for assertions after the fact. */
export function recordEvents(plane: RelayMediaPlane): MediaEvent[] {
  const events: MediaEvent[] = [];
  plane.onEvent((e) => events.push(e));
  return events;
}

export function sameKey(a: StreamKey, b: StreamKey): boolean {
  return a.appId === b.appId && a.roomId === b.roomId && a.userId === b.userId && a.screen === b.screen;
}
