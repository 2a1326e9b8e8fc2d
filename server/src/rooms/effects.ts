import type { Result } from '../codes.js';
import type { StreamKey } from '../media/plane.js';

/** What a room operation asks the world to do once its state change is committed. */
export type Effect =
  | { kind: 'event'; to: string; event: string; data: unknown; audience?: undefined }
  /** To a room's invisible members: applied after every other effect of the operation (toOthers in ops.ts). */
  | { kind: 'event'; to: string[]; event: string; data: unknown; audience: true }
  /** The session was replaced by a newer join of the same user: tell it and close it. */
  | { kind: 'kick'; sessionId: string; code: number; reason: string }
  | { kind: 'endPush'; key: StreamKey; reason: string }
  | { kind: 'endPlay'; key: StreamKey; subscriberId: string }
  | { kind: 'pausePlay'; key: StreamKey; subscriberId: string; paused: boolean };

/** A room operation's {@link Result}: its data or a refusal, and in both cases the effects to apply. */
export type Outcome<T> = Result<{ data: T }> & { effects: Effect[] };
