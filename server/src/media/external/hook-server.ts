// The endpoint the relay calls back: POST <hookPath>/<token>. The token in the path is the shared
// secret that keeps anyone but the relay from faking callbacks (bind it to loopback or a private
// network as well). Whatever arrives, the answer is an HTTP status; nothing here throws.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { timingSafeEqual } from 'node:crypto';
import type { HookAnswer, HookCall, RelayDialect } from './dialect.js';

const MAX_BODY = 16 * 1024;

export interface HookServerOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  dialect: RelayDialect;
  /** Decides a well-formed call: true allows it. */
  decide: (call: HookCall) => boolean;
}

export class HookServer {
  private server: Server | null = null;

  constructor(private readonly options: HookServerOptions) {}

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    server.listen(this.options.port, this.options.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server || !server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  }

  private authorised(url: string | undefined): boolean {
    const expected = Buffer.from(`${this.options.path}/${this.options.token}`);
    const got = Buffer.from((url ?? '').split('?')[0] as string);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const reply = (answer: HookAnswer) => {
      if (res.headersSent) return;
      res.writeHead(answer.status, { 'content-type': answer.contentType, connection: 'close' });
      res.end(answer.body);
    };
    const plain = (status: number, body: string) => reply({ status, contentType: 'text/plain', body });
    req.on('error', () => res.destroy());
    if (!this.authorised(req.url)) {
      req.resume();
      return plain(404, 'not found');
    }
    if (req.method !== 'POST') {
      req.resume();
      return plain(405, 'POST only');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        if (!res.headersSent) res.once('finish', () => req.destroy());
        plain(413, 'too large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const call = this.options.dialect.parse(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
      if (!call) return plain(400, 'not a relay callback');
      let allow: boolean;
      try {
        allow = this.options.decide(call);
      } catch {
        allow = false; // a failing check refuses, it never lets a session through
      }
      reply(this.options.dialect.answer(allow));
    });
  }
}
