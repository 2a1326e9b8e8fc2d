// Which room effects travel with a Redis commit: events and kicks for sessions (numbered and
// delivered by Redis to the node holding each session). Media effects stay with the node that
// committed; once a commit carried the session effects, they are taken out of the outcome so the
// room service does not deliver them a second time.
import { PROTOCOL_VERSION } from '@mprtc/protocol';
import type { Effect } from '../rooms/effects.js';
import type { OutItem } from '../store/room-store.js';

interface WithEffects {
  effects: Effect[];
}

function outcome(result: unknown): WithEffects | null {
  if (typeof result !== 'object' || result === null) return null;
  const effects = (result as { effects?: unknown }).effects;
  return Array.isArray(effects) ? (result as WithEffects) : null;
}

/** The event frame up to its sequence number, which Redis appends: `{"v":1,...,"seq":`. */
export function framePrefix(event: string, data: unknown): string {
  const body = data === undefined ? '' : `,"data":${JSON.stringify(data)}`;
  return `{"v":${PROTOCOL_VERSION},"type":"event","event":${JSON.stringify(event)}${body},"seq":`;
}

export function route(result: unknown): OutItem[] | null {
  const o = outcome(result);
  if (!o) return null;
  const items: OutItem[] = [];
  for (const e of o.effects) {
    if (e.kind === 'event') {
      const prefix = framePrefix(e.event, e.data);
      if (e.audience) for (const to of e.to) items.push({ kind: 'e', sessionId: to, framePrefix: prefix });
      else items.push({ kind: 'e', sessionId: e.to, framePrefix: prefix });
    } else if (e.kind === 'kick') items.push({ kind: 'k', sessionId: e.sessionId, code: e.code, reason: e.reason });
  }
  return items;
}

export function committed(result: unknown): void {
  const o = outcome(result);
  if (o) o.effects = o.effects.filter((e) => e.kind !== 'event' && e.kind !== 'kick');
}
