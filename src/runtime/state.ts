// The client's lifecycle and which calls each phase allows. Each refusal has its documented
// code, so a call in the wrong phase fails at once instead of waiting on anything.
import type { VolcEngineRTCError } from '../generated/types.js';
import * as ERROR_CODES from './codes.js';
import { rtcError } from './errors.js';
import { DESTROYED, IN_ROOM, INITIALISED, JOINING, LEAVING, UNINITIALISED, type Phase } from './phase.js';

export type { Phase } from './phase.js';

// Why a call is refused in a phase, when the phase is the reason (one table, indexed by phase, so
// every method words the same refusal the same way).
const WHY: readonly [number, string][] = [
  [ERROR_CODES.NOT_INITED, 'call init first'],
  [ERROR_CODES.NOT_IN_ROOM, 'not in a room; join first'],
  [ERROR_CODES.CONNECTING, 'a join is under way'],
  [ERROR_CODES.ALREADY_IN_ROOM, 'in a room already; leave first'],
  [ERROR_CODES.LEAVING, 'a leave is under way'],
  [ERROR_CODES.CLIENT_DESTROYED, 'destroyed; create a new Client'],
];

/**
 * The refusal of `method` in `phase`, or undefined when `allowed` lists the phase. `roomOnly`:
 * a call that needs the room (publish, subscribe...) is refused with NOT_IN_ROOM in every live
 * phase but IN_ROOM, including while joining or leaving.
 */
export function refuse(phase: Phase, method: string, allowed: readonly Phase[], roomOnly?: boolean): VolcEngineRTCError | undefined {
  if (allowed.indexOf(phase) >= 0) return undefined;
  const [code, why] = WHY[roomOnly && phase !== DESTROYED && phase !== UNINITIALISED ? INITIALISED : phase]!;
  return rtcError(code, `${method}: ${why}`);
}

/** Throws the refusal of `method` in `phase` (see refuse). */
export function allow(phase: Phase, method: string, allowed: readonly Phase[], roomOnly?: boolean): void {
  const e = refuse(phase, method, allowed, roomOnly);
  if (e) throw e;
}

/** The phases of a live, initialised client: calls that need no room (setBusinessId, report*...). */
export const LIVE: readonly Phase[] = [INITIALISED, JOINING, IN_ROOM, LEAVING];

/** Throws unless init may run: HAS_INITED once initialised (in any live phase). */
export function canInit(phase: Phase): void {
  if (phase !== UNINITIALISED && phase !== DESTROYED) throw rtcError(ERROR_CODES.HAS_INITED, 'init: initialised already');
  allow(phase, 'init', [UNINITIALISED]);
}
