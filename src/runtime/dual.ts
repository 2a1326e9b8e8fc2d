// The dual-API contract every generated method goes through:
// - never throws synchronously;
// - Promise form (no callback arguments): the Promise settles exactly once;
// - legacy form (callback arguments present): each callback is called at most once, no
//   unhandled rejection; a failure with no onFailure goes to the ERROR event (or console.error).
//   It returns the same Promise, already handled, so `.then` after a callback call works.
import type { ClientRuntimeMethods } from '../generated/runtime-contract.js';
import { RULES } from '../generated/rules.js';
import type { VolcEngineRTCError } from '../generated/types.js';
import { checkArgs, type ParamRule } from './args.js';
import { invalid, toRtcError } from './errors.js';
import { startTimer } from './host.js';

export interface ErrorSink {
  emitError_(err: VolcEngineRTCError): void;
}

/** Runs the runtime method with the checked arguments. */
export type Run = (args: unknown[]) => unknown;

// An app's own callback that throws is the app's error, not ours: rethrow it in a fresh task so
// the platform's handler (App.onError in a mini-program) sees it, and never call the other callback.
function callApp(fn: unknown, ...a: unknown[]): void {
  try {
    (fn as (...a: unknown[]) => unknown)(...a);
  } catch (e) {
    startTimer(() => {
      throw e;
    }, 0);
  }
}

/** Checks the arguments and runs the method: a bad argument, a throw or a rejection all reject. */
function start(name: string, params: readonly ParamRule[], run: Run, positional: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve) => resolve(run(checkArgs(name, params, positional)))).catch((e: unknown) => {
    throw toRtcError(e, name);
  });
}

/**
 * Where the callbacks start: after the positional parameters, or earlier when a function stands
 * where only optional non-function parameters are left (`subscribe(uid, ok, fail)`: the option
 * object was left out, as the vendor's apps do once every field has a default).
 */
function callbacksAt(params: readonly ParamRule[], args: readonly unknown[]): number {
  const i = args.findIndex((a) => typeof a === 'function');
  return i >= 0 && i < params.length && params.slice(i).every((p) => p.optional_ && p.rule_ !== 'function') ? i : params.length;
}

const fnOrNothing = (f: unknown): boolean => f === undefined || typeof f === 'function';

/** `takesValue`: onSuccess receives the resolved value (join's userId), not nothing (leave). */
export function callAsync(
  sink: ErrorSink,
  name: string,
  params: readonly ParamRule[],
  run: Run,
  args: readonly unknown[],
  takesValue?: boolean,
): Promise<unknown> {
  const arity = callbacksAt(params, args);
  if (args.length <= arity) return start(name, params, run, args);

  // Legacy form: any argument past the positional ones makes it a callback call.
  const onSuccess = args[arity];
  const onFailure = args[arity + 1];
  const work =
    fnOrNothing(onSuccess) && fnOrNothing(onFailure) && args.length <= arity + 2
      ? start(name, params, run, args.slice(0, arity))
      : Promise.reject(invalid(name, 'onSuccess and onFailure must be functions, and last'));
  // Handled here (the callbacks, or the ERROR channel), so returning it to the app cannot make an
  // unhandled rejection; an app that chains on it handles its own chain.
  work.then(
    (value) => {
      if (typeof onSuccess === 'function') callApp(onSuccess, ...(takesValue ? [value] : []));
    },
    (err: VolcEngineRTCError) => (typeof onFailure === 'function' ? callApp(onFailure, err) : sink.emitError_(err)),
  );
  return work;
}

/** Methods that return nothing (on, off, report*) report bad arguments on the ERROR event. */
export function callSync(sink: ErrorSink, name: string, params: readonly ParamRule[], run: Run, args: readonly unknown[]): void {
  try {
    // Extra arguments are ignored, as JavaScript would: handlers wired straight to a component
    // event may pass more than we read.
    run(checkArgs(name, params, args));
  } catch (e) {
    sink.emitError_(toRtcError(e, name));
  }
}

// What the generated Client calls: one line per method (the method's name picks its rules and the
// runtime method of the same name), so the minified file holds no per-method closure or object.
type Runtime = ClientRuntimeMethods & ErrorSink;
type AsyncName = { [K in keyof ClientRuntimeMethods]: ReturnType<ClientRuntimeMethods[K]> extends Promise<unknown> ? K : never }[keyof ClientRuntimeMethods];
type SyncName = Exclude<keyof ClientRuntimeMethods, AsyncName>;
const runtimeMethod =
  (rt: Runtime, name: keyof ClientRuntimeMethods): Run =>
  (a) =>
    (rt[name] as (...a: unknown[]) => unknown).apply(rt, a);

export function callMethod<K extends AsyncName>(rt: Runtime, name: K, args: readonly unknown[], takesValue?: boolean): ReturnType<ClientRuntimeMethods[K]> {
  return callAsync(rt, name, RULES[name], runtimeMethod(rt, name), args, takesValue) as ReturnType<ClientRuntimeMethods[K]>;
}

export function callMethodSync(rt: Runtime, name: SyncName, args: readonly unknown[]): void {
  callSync(rt, name, RULES[name], runtimeMethod(rt, name), args);
}
