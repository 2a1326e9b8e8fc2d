// Every failure the SDK reports is one of these: an Error (so devtools show a stack) that also
// carries the vendor's `{ code, reason }` shape.
import * as ERROR_CODES from './codes.js';
import type { VolcEngineRTCError } from '../generated/types.js';

class RTCError extends Error implements VolcEngineRTCError {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(`${reason} (${code})`);
    this.name = 'VolcEngineRTCError';
    this.code = code;
    this.reason = reason;
  }
}

export function rtcError(code: number, reason: string): VolcEngineRTCError {
  return new RTCError(code, reason);
}

/** value as JSON text, or INVALID_PARAMS thrown when JSON cannot carry it (a BigInt, a cycle). */
export function toJson(value: unknown, where: string): string {
  try {
    return JSON.stringify(value);
  } catch {
    throw invalid(where, 'holds a value JSON cannot carry');
  }
}

/** INVALID_PARAMS, worded `where: why` (where: the method, or the argument as `method(name)`). */
export const invalid = (where: string, why: string): VolcEngineRTCError => rtcError(ERROR_CODES.INVALID_PARAMS, `${where}: ${why}`);

/** A plain object (not null, not an array): what every frame and payload must be. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A value as a message shows it: short, and safe for hostile input (a server's frame: String() of
 * an object whose toString is not a function throws, and a string may be megabytes long).
 */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** An error's message: WeChat's `errMsg`, an Error's `message`, or the value as a string. */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; errMsg?: unknown };
    if (typeof o.errMsg === 'string') return o.errMsg;
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}

/** `{ code: number, reason: string }`: an error of ours, or a server's (wire) error. */
export function isRtcError(v: unknown): v is { code: number; reason: string } {
  return isObject(v) && typeof v.code === 'number' && typeof v.reason === 'string';
}

/** Whatever reached a rejection becomes a VolcEngineRTCError, so callers see one shape only. */
export function toRtcError(value: unknown, where: string): VolcEngineRTCError {
  if (value instanceof RTCError) return value;
  if (isRtcError(value)) return rtcError(value.code, value.reason);
  return rtcError(ERROR_CODES.INTERNAL_ERROR, `${where}: ${describeError(value)}`);
}
