// How long to wait before each reconnect attempt, and which failures are worth another one.
import * as ERROR_CODES from '../codes.js';
import type { ResolvedReconnect } from '../options.js';

/** Failures after which another reconnect attempt may succeed; any other refusal is final. */
export const RETRYABLE: ReadonlySet<number> = new Set([
  ERROR_CODES.CONNECTION_FAILED,
  ERROR_CODES.CONNECTION_LOST,
  ERROR_CODES.REQUEST_TIMEOUT,
  ERROR_CODES.RATE_LIMITED,
  ERROR_CODES.SERVER_ERROR,
]);

/** Attempt n waits a random time between half and all of min(max, base * 2^n): no thundering herd. */
export function backoffMs(r: ResolvedReconnect, attempt: number, random: number): number {
  const cap = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random * cap) / 2);
}
