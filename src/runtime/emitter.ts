// Event listeners, typed by the generated event map. A function registered twice for the same
// event is kept once (as with DOM addEventListener; the first registration, on or once, holds),
// so off(event, fn) always removes it entirely. A listener that throws does not stop the others;
// its error is logged, not re-emitted, so a throwing ERROR listener cannot loop.
import type { EventName, EventPayloads } from '../generated/events.js';
import { logError } from './host.js';

export type Listener<E extends EventName = EventName> = (payload: EventPayloads[E]) => void;

/** How the runtime's parts hand an event to the app. */
export type Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** One registration; `once` entries are dropped before their first call. */
interface Entry {
  fn_: Listener<any>;
  once_: boolean;
}

export class Emitter {
  private readonly lists_ = new Map<EventName, Entry[]>();

  on<E extends EventName>(event: E, fn: Listener<E>, once = false): void {
    const list = this.lists_.get(event) || [];
    if (!list.some((e) => e.fn_ === fn)) list.push({ fn_: fn, once_: once });
    this.lists_.set(event, list);
  }

  /** Without fn: every listener of the event. */
  off<E extends EventName>(event: E, fn?: Listener<E>): void {
    const rest = fn ? (this.lists_.get(event) || []).filter((e) => e.fn_ !== fn) : [];
    if (rest.length) this.lists_.set(event, rest);
    else this.lists_.delete(event);
  }

  /** Without an event: every listener of every event. */
  removeAllListeners(event?: EventName): void {
    if (event === undefined) this.lists_.clear();
    else this.lists_.delete(event);
  }

  has_(event: EventName): boolean {
    return this.lists_.has(event);
  }

  /** Calls a snapshot of the listeners: on/off inside a listener affect the next emit only. */
  emit_<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    const list = this.lists_.get(event);
    if (!list) return;
    for (const e of [...list]) {
      // A once listener removed by an earlier listener of this emit is not called.
      if (e.once_) {
        if ((this.lists_.get(event) || []).indexOf(e) < 0) continue;
        this.off(event, e.fn_);
      }
      try {
        e.fn_(payload);
      } catch (err) {
        logError(`[mprtc] a "${event}" listener threw:`, err);
      }
    }
  }
}
