// The planes' event fan-out. Events are emitted from relay callbacks and timers, so a listener
// that throws must not take the plane down with it, nor keep the event from other listeners.

import type { MediaEvent } from './plane.js';

export class MediaEvents {
  private readonly listeners = new Set<(event: MediaEvent) => void>();

  /** Returns a function that removes the listener. */
  on(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: MediaEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A faulty listener must not disturb the plane or other listeners.
      }
    }
  }
}
