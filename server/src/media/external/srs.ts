// SRS (v4 to v6) http_hooks: on_publish / on_play / on_unpublish / on_stop POST a JSON object
// ({ action, client_id, ip, vhost, app, stream, param, ... }, `param` being the client's query
// with its leading '?'). SRS allows when the answer is HTTP 200 with code 0 ({"code":0}) and
// closes the client otherwise. Its HTTP API drops a client with DELETE /api/v1/clients/<id>.
// Written from SRS's documented callback format; not run against a real SRS here.

import { CONTROL_TIMEOUT_MS, queryOf, type HookAction, type RelayDialect } from './dialect.js';

const ACTIONS: Record<string, HookAction> = {
  on_publish: 'publish',
  on_play: 'play',
  on_unpublish: 'publish-done',
  on_stop: 'play-done',
};

// SRS 4 numbers its clients, SRS 5+ uses short strings; either way it goes into a URL path.
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export const srs: RelayDialect = {
  parse(body, contentType) {
    if (contentType !== undefined && !contentType.startsWith('application/json')) return null;
    let hook: unknown;
    try {
      hook = JSON.parse(body);
    } catch {
      return null;
    }
    if (typeof hook !== 'object' || hook === null || Array.isArray(hook)) return null;
    const fields = hook as Record<string, unknown>;
    const action = text(fields.action);
    const rawId = fields.client_id;
    const clientId = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : text(rawId);
    const app = text(fields.app);
    if (action === null || clientId === null || !CLIENT_ID.test(clientId) || app === null) return null;
    const kind = ACTIONS[action] ?? 'other';
    const stream = text(fields.stream);
    if (stream === null && kind !== 'other') return null;
    const param = text(fields.param) ?? '';
    return { action: kind, app, stream: stream ?? '', clientId, query: queryOf(new URLSearchParams(param.replace(/^\?/, ''))) };
  },

  answer(allow) {
    return allow
      ? { status: 200, contentType: 'application/json', body: '{"code":0}' }
      : { status: 403, contentType: 'application/json', body: '{"code":403}' };
  },

  async kick(controlUrl, session) {
    const res = await fetch(`${controlUrl}/api/v1/clients/${encodeURIComponent(session.clientId)}`, {
      method: 'DELETE',
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    const answer = await res.text();
    if (!res.ok) throw new Error(`kick client ${session.clientId} answered ${res.status} ${answer.slice(0, 100)}`);
    // SRS lists a client from its connection on, before any hook: an accepted DELETE is final.
    return true;
  },
};
