// What the RTMP and HTTP-FLV fronts share: the connection record, the host they ask before a
// publish or play reaches the relay library, and the counter of open connections.

import type { Query } from '../../signing.js';

export interface Admission {
  purpose: 'push' | 'play';
  protocol: 'rtmp' | 'flv';
  app: string;
  stream: string;
  query: Query;
}

export interface FrontConn {
  readonly id: string;
  /** The client's address (no port). */
  readonly address: string;
  /** Closes the client and its upstream connection; no-op when already closed. */
  kill(reason: string): void;
}

export interface FrontHost {
  /** Resolves true when this connection may publish / play what it asked for. */
  admit(conn: FrontConn, admission: Admission): Promise<boolean>;
  /** The connection's upstream socket to the library is connected from this local port. */
  upstream(conn: FrontConn, localPort: number): void;
  /** The connection is gone (either side). Called once. */
  closed(conn: FrontConn): void;
  /** A connection was refused or cut off by a guard, with why (for logs and counters). */
  refused(reason: string): void;
}

let counter = 0;
export function nextConnId(): string {
  counter += 1;
  return `c${counter}`;
}

/** Splits a raw query string the way the relay library does (repeated keys become arrays). */
export function parseQuery(raw: string): Query {
  const out: Query = Object.create(null);
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
