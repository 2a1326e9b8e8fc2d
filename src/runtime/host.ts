// The few host facilities the runtime needs, reached without DOM or Node typings: the
// runtime runs in a WeChat mini-program, in a browser-like host, and in Node for tests.

export type TimerHandle = unknown;

declare function setTimeout(callback: () => void, ms: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle): void;
declare const console: { error(...args: unknown[]): void } | undefined;

export function startTimer(callback: () => void, ms: number): TimerHandle {
  return setTimeout(callback, ms);
}

export function stopTimer(handle: TimerHandle | undefined): void {
  if (handle !== undefined) clearTimeout(handle);
}

/** Last resort for failures nobody listens to: never lose them silently. */
export function logError(...args: unknown[]): void {
  try {
    console!.error(...args);
  } catch {
    // A host without a usable console (none declared, or not an object): nothing more we can do.
  }
}

/** Does nothing: for callbacks the runtime has to give but has no use for. */
export const noop = (): void => undefined;
