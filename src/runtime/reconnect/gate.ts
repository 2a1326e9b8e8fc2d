// Room calls made while reconnecting wait on a gate instead of failing: the resume opens it
// (they go out), a fresh join or giving up fails it (they belonged to the lost session).
import type { VolcEngineRTCError } from '../../generated/types.js';

/** Calls wait here while reconnecting: released by a resume, failed by a fresh join or giving up. */
export interface Gate {
  promise_: Promise<void>;
  open_(): void;
  fail_(err: VolcEngineRTCError): void;
}

export function gate(): Gate {
  let open!: () => void;
  let failWith!: (e: VolcEngineRTCError) => void;
  const promise = new Promise<void>((res, rej) => {
    open = res;
    failWith = rej;
  });
  promise.catch(() => undefined); // nobody may be waiting
  return { promise_: promise, open_: open, fail_: failWith };
}
