// Facts about methods the emitter derives from the spec, in one place.
import type { Method, Param, TypeRef } from '../spec/types.js';

/** Typed through the event map, not the doc's `() => void`. */
/** on / off / once / removeAllListeners: an event name, then (maybe) a listener. */
export function isListenerMethod(m: Method): boolean {
  if (m.callbacks !== null || m.params[0]?.name !== 'event') return false;
  return m.params.length === 1 || (m.params.length === 2 && m.params[1]!.type.kind === 'function');
}

/** The type the Promise form resolves with: onSuccess's first argument, or void. */
export function resolvedType(m: Method): TypeRef {
  return m.callbacks?.success[0]?.type ?? { kind: 'primitive', name: 'void' };
}

export function successParams(m: Method): Param[] {
  return m.callbacks?.success ?? [];
}
