// What the plane needs from a relay, whatever its wire format: its callbacks reduced to four
// actions, its answer to allow or deny, and a way to cut one session off.

import type { Query } from '../signing.js';

export type HookAction = 'publish' | 'play' | 'publish-done' | 'play-done' | 'other';

export interface HookCall {
  action: HookAction;
  app: string;
  stream: string;
  /** The relay's id for the connection, used to kick it later. */
  clientId: string;
  /** The client's URL query as the relay forwarded it. */
  query: Query;
}

export interface HookAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface LiveSession {
  role: 'publisher' | 'player';
  app: string;
  stream: string;
  clientId: string;
}

export interface RelayDialect {
  /** The call, or null when the request is not a well-formed callback of this relay. */
  parse(body: string, contentType: string | undefined): HookCall | null;
  answer(allow: boolean): HookAnswer;
  /**
   * Asks the relay to drop one session: true when it did, false when the relay lists no such
   * session (gone already, or not registered yet: see kicker.ts); rejects on any other answer.
   */
  kick(controlUrl: string, session: LiveSession): Promise<boolean>;
}

/** Every value of each name, so a repeated signature parameter is seen (and refused) as such. */
export function queryOf(params: URLSearchParams): Query {
  const query: Query = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}

export const CONTROL_TIMEOUT_MS = 5_000;
