// The client's lifecycle and which calls each phase allows. Each refusal has its documented
// code, so a call in the wrong phase fails at once instead of waiting on anything.
import { ERROR_CODES } from '../generated/error-codes.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import { rtcError } from './errors.js';

export type Phase = 'uninitialised' | 'initialised' | 'joining' | 'inRoom' | 'leaving' | 'destroyed';

/** Calls that need init and a live client but no room (setBusinessId, setUserVisibility...). */
export function needInit(phase: Phase, method: string): VolcEngineRTCError | undefined {
  if (phase === 'destroyed') return rtcError(ERROR_CODES.CLIENT_DESTROYED, `${method}: the client was destroyed; create a new one`);
  if (phase === 'uninitialised') return rtcError(ERROR_CODES.NOT_INITED, `${method}: call init first`);
  return undefined;
}

export function canInit(phase: Phase): VolcEngineRTCError | undefined {
  if (phase === 'destroyed') return needInit(phase, 'init');
  if (phase !== 'uninitialised') return rtcError(ERROR_CODES.HAS_INITED, 'init: the client is initialised already');
  return undefined;
}

export function canJoin(phase: Phase): VolcEngineRTCError | undefined {
  const e = needInit(phase, 'join');
  if (e) return e;
  if (phase === 'joining') return rtcError(ERROR_CODES.CONNECTING, 'join: a join is under way');
  if (phase === 'inRoom') return rtcError(ERROR_CODES.ALREADY_IN_ROOM, 'join: the client is in a room already; leave first');
  if (phase === 'leaving') return rtcError(ERROR_CODES.LEAVING, 'join: a leave is under way');
  return undefined;
}

/** Allowed while joining too: leave then aborts the join. */
export function canLeave(phase: Phase): VolcEngineRTCError | undefined {
  const e = needInit(phase, 'leave');
  if (e) return e;
  if (phase === 'leaving') return rtcError(ERROR_CODES.LEAVING, 'leave: a leave is under way');
  if (phase !== 'inRoom' && phase !== 'joining') return rtcError(ERROR_CODES.NOT_IN_ROOM, 'leave: the client is not in a room');
  return undefined;
}

/** publish, subscribe, mute... */
export function needRoom(phase: Phase, method: string): VolcEngineRTCError | undefined {
  const e = needInit(phase, method);
  if (e) return e;
  if (phase !== 'inRoom') return rtcError(ERROR_CODES.NOT_IN_ROOM, `${method}: join a room first`);
  return undefined;
}
