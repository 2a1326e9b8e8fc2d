// Drops sessions through the relay's control API, until the relay confirms or reports the session
// ended. A drop can arrive before the relay lists the session: nginx-rtmp asks on_publish/on_play,
// and registers the publisher or player only once our answer reaches it, while the plane (which
// reported push-started when it decided) may be asked to end it at once, e.g. by a new push URL.
// Such a drop finds no session; it is retried, briefly and with backoff, for as long as the relay
// has not reported that session's end, and reported to onControlError if it never lands.

import type { LiveSession, RelayDialect } from './dialect.js';

/** First wait after a drop that found nothing; doubles up to MAX_RETRY_WAIT_MS. */
const FIRST_RETRY_WAIT_MS = 20;
const MAX_RETRY_WAIT_MS = 500;

export interface KickerOptions {
  dialect: RelayDialect;
  controlUrl: string;
  /** How long a drop that finds no session yet is retried (0: tried once). */
  retryMs: number;
  onError: (error: Error) => void;
}

interface Pending {
  /** The relay reported the session's end (publish_done / play_done), or the plane is stopping. */
  over: boolean;
  wake: (() => void) | null;
}

function idOf(role: LiveSession['role'], clientId: string): string {
  return `${role} ${clientId}`;
}

export class Kicker {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: KickerOptions) {}

  /** Starts dropping one session; failures go to onError, never to the caller. */
  kick(session: LiveSession): void {
    const id = idOf(session.role, session.clientId);
    if (this.pending.has(id)) return; // already being dropped
    const entry: Pending = { over: false, wake: null };
    this.pending.set(id, entry);
    const run = this.drop(session, entry)
      .catch((err: unknown) => this.report(err))
      .finally(() => {
        if (this.pending.get(id) === entry) this.pending.delete(id);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  /** The relay reported that session gone: a drop still looking for it can stop. */
  ended(role: LiveSession['role'], clientId: string): void {
    const entry = this.pending.get(idOf(role, clientId));
    if (!entry) return;
    entry.over = true;
    entry.wake?.();
  }

  /** Ends the retries (one request may still be in flight) and waits for every drop to settle. */
  async stop(): Promise<void> {
    for (const entry of this.pending.values()) {
      entry.over = true;
      entry.wake?.();
    }
    await Promise.all([...this.running]);
  }

  private async drop(session: LiveSession, entry: Pending): Promise<void> {
    const { dialect, controlUrl, retryMs } = this.options;
    const deadline = performance.now() + retryMs;
    let wait = FIRST_RETRY_WAIT_MS;
    for (;;) {
      if (await dialect.kick(controlUrl, session)) return;
      if (entry.over) return; // it ended by itself meanwhile
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `drop ${session.role} ${session.clientId} of ${session.app}/${session.stream}: ` +
            `the relay found no such session for ${retryMs} ms and did not report it ended`,
        );
      }
      await this.pause(Math.min(wait, left), entry);
      if (entry.over) return;
      wait = Math.min(wait * 2, MAX_RETRY_WAIT_MS);
    }
  }

  private pause(ms: number, entry: Pending): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        entry.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      entry.wake = done;
    });
  }

  private report(err: unknown): void {
    try {
      this.options.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // A faulty error handler must not take the plane down.
    }
  }
}
