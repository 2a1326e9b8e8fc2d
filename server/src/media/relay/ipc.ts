// Messages between the server process (RelayMediaPlane: grants, decisions, events) and the
// relay process (the guard fronts and node-media-server). The relay process asks; the server
// answers. Connection ids are the relay process's own and die with it.

import type { Tracks } from '../signing.js';
import type { Admission } from './guard/front.js';
import type { GuardLimits } from './guard/limits.js';

/** What the relay process is started with (JSON in its argv). */
export interface ChildConfig {
  host: string;
  rtmpPort: number;
  httpPort: number | null;
  logLevel: string;
  limits: GuardLimits;
}

export type ToServer =
  | { t: 'ready' }
  | { t: 'listen-error'; message: string }
  | { t: 'admit'; id: string; req: number; admission: Admission }
  /** The library accepted the admitted publish. */
  | { t: 'push-started'; id: string }
  | { t: 'closed'; id: string }
  | { t: 'log'; level: 'error' | 'warn' | 'info'; message: string }
  | { t: 'pong'; n: number };

export type ToRelay =
  | { t: 'verdict'; req: number; ok: false }
  | { t: 'verdict'; req: number; ok: true; tracks: Tracks; paused: boolean }
  | { t: 'drop'; id: string }
  | { t: 'pause'; id: string; paused: boolean }
  | { t: 'stop' }
  /** Liveness: a relay process whose event loop is stuck never answers, and is killed. */
  | { t: 'ping'; n: number };
