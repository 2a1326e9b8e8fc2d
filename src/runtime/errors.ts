// Every failure the SDK reports is one of these: an Error (so devtools show a stack) that also
// carries the vendor's `{ code, reason }` shape.
import { ERROR_CODES } from '../generated/error-codes.js';
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

export function isRtcError(value: unknown): value is VolcEngineRTCError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { code?: unknown; reason?: unknown };
  return typeof v.code === 'number' && typeof v.reason === 'string';
}

/** Whatever reached a rejection becomes a VolcEngineRTCError, so callers see one shape only. */
export function toRtcError(value: unknown, where: string): VolcEngineRTCError {
  if (value instanceof RTCError) return value;
  if (isRtcError(value)) return rtcError(value.code, value.reason);
  const detail = value instanceof Error ? value.message : String(value);
  return rtcError(ERROR_CODES.INTERNAL_ERROR, `${where}: ${detail}`);
}
