// nginx-rtmp (libnginx-mod-rtmp): `on_publish` / `on_play` / `on_publish_done` / `on_play_done`
// POST an urlencoded form. The module writes its own fields first (app, flashver, swfurl, tcurl,
// pageurl, addr, clientid, call, name, ...) and appends the client's query args verbatim, so a
// client can repeat a field name in its args: we take the module's (first) value of each field.
// Any 2xx allows, anything else denies and closes the client. The rtmp_control module drops a
// session: GET <control>/drop/{publisher|subscriber}?app=..&name=..&clientid=.. answers the count
// (a session counts only once the module has joined it to its stream: after our callback answer).

import { CONTROL_TIMEOUT_MS, queryOf, type HookAction, type RelayDialect } from './dialect.js';

const CALLS: Record<string, HookAction> = {
  publish: 'publish',
  play: 'play',
  publish_done: 'publish-done',
  play_done: 'play-done',
};

export const nginxRtmp: RelayDialect = {
  parse(body, contentType) {
    if (contentType !== undefined && !contentType.startsWith('application/x-www-form-urlencoded')) return null;
    const params = new URLSearchParams(body);
    const call = params.get('call');
    const app = params.get('app');
    const clientId = params.get('clientid');
    if (call === null || app === null || clientId === null || !/^[0-9]{1,20}$/.test(clientId)) return null;
    const action = CALLS[call] ?? 'other';
    const stream = params.get('name');
    if (stream === null && action !== 'other') return null;
    return { action, app, stream: stream ?? '', clientId, query: queryOf(params) };
  },

  answer(allow) {
    return allow ? { status: 200, contentType: 'text/plain', body: 'ok' } : { status: 403, contentType: 'text/plain', body: 'refused' };
  },

  async kick(controlUrl, session) {
    const what = session.role === 'publisher' ? 'publisher' : 'subscriber';
    const params = new URLSearchParams({ app: session.app, name: session.stream, clientid: session.clientId });
    const res = await fetch(`${controlUrl}/drop/${what}?${params}`, { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
    const text = await res.text();
    // The module answers the number of sessions it dropped. 0: the client is gone, or nginx has not
    // yet taken in our answer to its on_publish / on_play and so does not list it as live yet.
    if (!res.ok || !/^[0-9]+$/.test(text.trim())) throw new Error(`drop ${what} answered ${res.status} ${text.slice(0, 100)}`);
    return Number(text.trim()) > 0;
  },
};
