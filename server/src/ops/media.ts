// Carries the media plane's events (pushes) and, for a relay that reports on its own process
// (the embedded relay's onRelayEvent: exit, restart, log lines), its health onto the bus.
import type { MediaPlane } from '../media/plane.js';
import type { ServerEvents } from './events.js';

/** The relay process events the embedded relay reports (media/relay/relay-plane.ts), read structurally. */
type RelayEventLike =
  | { type: 'relay-exit'; pid: number; code: number | null; signal: string | null; restartInMs: number }
  | { type: 'relay-restart'; pid: number; attempt: number }
  | { type: 'relay-restart-failed'; message: string; retryInMs: number }
  | { type: 'relay-log'; level: 'error' | 'warn' | 'info'; message: string };

interface RelayReporting {
  onRelayEvent(listener: (event: RelayEventLike) => void): () => void;
}

const reportsRelay = (m: MediaPlane): m is MediaPlane & RelayReporting => typeof (m as Partial<RelayReporting>).onRelayEvent === 'function';

/** A relay's own lines may quote a refused URL: its query (a signature) is cut before logging. */
export const withoutQueries = (s: string): string => s.replace(/\?[^\s"'<>]*/g, '?[redacted]');

/** Subscribes; returns a function that unsubscribes. */
export function observeMedia(media: MediaPlane, events: ServerEvents): () => void {
  const offs = [media.onEvent((event) => events.emit({ type: 'media', event }))];
  if (reportsRelay(media)) {
    offs.push(
      media.onRelayEvent((e) => {
        switch (e.type) {
          case 'relay-exit':
            return events.emit({
              type: 'relay',
              state: 'down',
              reason: `relay process ${e.pid} exited (code ${e.code}, signal ${e.signal}); restart in ${e.restartInMs} ms`,
            });
          case 'relay-restart':
            return events.emit({ type: 'relay', state: 'restarted', reason: `relay process ${e.pid} listening again`, restarts: e.attempt });
          case 'relay-restart-failed':
            return events.emit({ type: 'relay', state: 'down', reason: `restart failed: ${withoutQueries(String(e.message))}; retry in ${e.retryInMs} ms` });
          case 'relay-log':
            return events.emit({ type: 'relay-log', level: e.level, message: withoutQueries(String(e.message)) });
        }
      }),
    );
  }
  return () => {
    for (const off of offs) off();
  };
}
