// Callback requests in the shapes the relays send, for HTTP-level tests of the hook endpoint.
// nginx-rtmp: the form body as recorded from libnginx-mod-rtmp 1.2.2 (its fields, then the
// client's query args verbatim). SRS: the JSON objects of SRS's documented http_hooks format
// (v5: string client_id; v4: numeric), written by us from that documentation.

import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

export interface HookReply {
  status: number;
  body: string;
}

export async function post(url: string, body: string, contentType: string): Promise<HookReply> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: res.status, body: await res.text() };
}

/** The relay path and client query of an issued RTMP URL. */
export function split(url: string): { app: string; stream: string; args: string } {
  const parsed = new URL(url);
  const [, app = '', stream = ''] = parsed.pathname.split('/');
  return { app, stream, args: parsed.search.replace(/^\?/, '') };
}

export function nginxForm(call: 'publish' | 'play' | 'publish_done' | 'play_done', url: string, clientId: number): string {
  const { app, stream, args } = split(url);
  const fields = call === 'publish' ? '&type=live' : call === 'play' ? '&start=4294965296&duration=0&reset=0' : '';
  const session = `app=${app}&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:1935/${app}&pageurl=&addr=127.0.0.1&clientid=${clientId}`;
  return `${session}&call=${call}&name=${stream}${fields}${args ? `&${args}` : ''}`;
}

export function srsHook(action: 'on_publish' | 'on_play' | 'on_unpublish' | 'on_stop', url: string, clientId: string | number): string {
  const { app, stream, args } = split(url);
  return JSON.stringify({
    server_id: 'vid-0xk989d',
    service_id: 'ln7p4bc1',
    action,
    client_id: clientId,
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app,
    tcUrl: `rtmp://127.0.0.1:1935/${app}`,
    stream,
    param: args ? `?${args}` : '',
    stream_url: `/${app}/${stream}`,
    stream_id: 'vid-124q9y3',
    ...(action === 'on_play' ? { pageUrl: '' } : {}),
  });
}

/** A stand-in for SRS's HTTP API (the layer below the plane): records kicks, answers as SRS does. */
export class FakeSrsApi {
  readonly kicked: string[] = [];
  failing = false;
  private server: Server | null = null;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const match = /^\/api\/v1\/clients\/([^/?]+)$/.exec(req.url ?? '');
      req.resume();
      if (req.method !== 'DELETE' || !match) {
        res.writeHead(404).end('{"code":404}');
        return;
      }
      if (this.failing) {
        res.writeHead(500).end('{"code":500}');
        return;
      }
      this.kicked.push(decodeURIComponent(match[1] as string));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    });
    this.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Resolves once pred holds, polling the state it reads; rejects with what after timeoutMs. */
export async function eventually(pred: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The URL with the first character of its MAC changed: a forged signature. */
export function forge(url: string): string {
  const parsed = new URL(url);
  const sig = parsed.searchParams.get('sig') ?? '';
  parsed.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
  return parsed.toString();
}
