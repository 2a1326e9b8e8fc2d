// Event listeners. A function registered twice for the same event is kept once (as with DOM
// addEventListener), so off(event, fn) always removes it entirely. A listener that throws does
// not stop the others; its error is logged, not re-emitted, so a throwing ERROR listener cannot loop.
import { logError } from './host.js';

export type Listener = (payload: any) => void;

export class Emitter {
  readonly #listeners = new Map<string, Listener[]>();

  on(event: string, fn: Listener): void {
    const list = this.#listeners.get(event) ?? [];
    if (!list.includes(fn)) list.push(fn);
    this.#listeners.set(event, list);
  }

  off(event: string, fn: Listener): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    const rest = list.filter((f) => f !== fn);
    if (rest.length) this.#listeners.set(event, rest);
    else this.#listeners.delete(event);
  }

  has(event: string): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  /** Calls a snapshot of the listeners: on/off inside a listener affect the next emit only. */
  emit(event: string, payload: unknown): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const fn of [...list]) {
      try {
        fn(payload);
      } catch (e) {
        logError(`[mprtc] a "${event}" listener threw:`, e);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
