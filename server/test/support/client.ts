// A raw protocol client over a real ws socket: sends frames, collects every frame received,
// and waits for responses and events by predicate (never by time).
import WebSocket from 'ws';
import { generateToken } from '../../src/token/index.js';

export interface Frame {
  v: number;
  type: string;
  id?: number;
  ok?: boolean;
  data?: any;
  error?: { code: number; reason: string };
  event?: string;
  t?: number;
  seq?: number;
}

export const APP_ID = '5f3c1a2b9d8e7f6a5b4c3d2e';
export const APP_KEY = 'k3y-One';
export const APP2_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';
export const APP2_KEY = 'secret';

export function token(
  roomId: string,
  userId: string,
  over: { appId?: string; appKey?: string; expireAt?: number; publish?: number | null; subscribe?: number | null } = {},
): string {
  return generateToken({
    appId: over.appId ?? APP_ID,
    appKey: over.appKey ?? APP_KEY,
    roomId,
    userId,
    expireAt: over.expireAt ?? 0,
    publishExpireAt: over.publish === undefined ? 0 : over.publish,
    subscribeExpireAt: over.subscribe === undefined ? 0 : over.subscribe,
  });
}

export class RawClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private nextId = 1;
  private waiters: { pred: (f: Frame | null) => boolean; resolve: (f: Frame | null) => void; reject: (e: Error) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      this.frames.push(f);
      this.check(f);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.check(null);
    });
  }

  /** `headers`: extra upgrade headers (X-Forwarded-For for the trustProxy tests). */
  static connect(url: string, headers?: Record<string, string>): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, headers ? { headers } : {});
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  private check(f: Frame | null): void {
    for (const w of [...this.waiters]) {
      if (w.pred(f)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(f);
      }
    }
  }

  /** Resolves with the first frame (already received or future) matching pred. */
  waitFor(pred: (f: Frame) => boolean, what = 'frame'): Promise<Frame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const p = (f: Frame | null): boolean => (f === null ? true : pred(f));
      this.waiters.push({
        pred: p,
        resolve: (f) => (f ? resolve(f) : reject(new Error(`socket closed while waiting for ${what}`))),
        reject,
      });
    });
  }

  waitEvent(event: string, match: (data: any) => boolean = () => true): Promise<Frame> {
    return this.waitFor((f) => f.type === 'event' && f.event === event && match(f.data), `event ${event}`);
  }

  events(event?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && (event === undefined || f.event === event));
  }

  waitClose(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Round trip through the server: every frame it sent this socket before is in by then. */
  async sync(): Promise<void> {
    const t = Math.random();
    this.ws.send(JSON.stringify({ v: 1, type: 'ping', t }));
    await this.waitFor((f) => f.type === 'pong' && f.t === t, 'pong');
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends a request frame and resolves with its response frame. */
  request(type: string, body: Record<string, unknown> = {}): Promise<Frame> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ v: 1, id, type, ...body }));
    return this.waitFor((f) => f.type === 'response' && f.id === id, `response to ${type}#${id}`);
  }

  /** A request with a chosen id: a resend after a resume carries the id of the first try. */
  requestWithId(id: number, type: string, body: Record<string, unknown> = {}): Promise<Frame> {
    this.ws.send(JSON.stringify({ v: 1, id, type, ...body }));
    return this.waitFor((f) => f.type === 'response' && f.id === id && !this.answered.has(f), `response to ${type}#${id}`).then((f) => {
      this.answered.add(f);
      return f;
    });
  }

  private readonly answered = new Set<Frame>();

  /** The highest event seq received: what a resume asks to continue from. */
  get lastSeq(): number {
    return this.frames.reduce((m, f) => (f.type === 'event' && typeof f.seq === 'number' ? Math.max(m, f.seq) : m), 0);
  }

  join(roomId: string, userId: string, over: { visible?: boolean; businessId?: string; token?: string; appId?: string } = {}): Promise<Frame> {
    return this.request('join', {
      appId: over.appId ?? APP_ID,
      token: over.token ?? token(roomId, userId, over.appId ? { appId: over.appId, appKey: APP2_KEY } : {}),
      roomId,
      userId,
      visible: over.visible ?? true,
      ...(over.businessId ? { businessId: over.businessId } : {}),
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Joins `n` users to a room on separate sockets; returns them in join order. */
export async function crowd(url: string, roomId: string, n: number, prefix = 'u'): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await RawClient.connect(url);
    const r = await c.join(roomId, `${prefix}${i}`);
    if (!r.ok) throw new Error(`join of ${prefix}${i} failed: ${JSON.stringify(r.error)}`);
    out.push(c);
  }
  return out;
}
