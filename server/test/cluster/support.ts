// Real cluster parts for the multi-node tests: `serve` processes (PID = the server, so SIGKILL
// kills exactly it), one real redis-server, a view of the rooms straight from Redis, and a small
// round-robin TCP proxy standing in for the load balancer.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisRoomStore } from '../../src/store/room-store.js';
import { APP_ID, APP_KEY, RawClient } from '../support/client.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface NodeOptions {
  graceMs?: number;
  ttlMs?: number;
  /** More serve flags (a benchmark raises the per-address limits). */
  args?: string[];
  /** The embedded relay on these ports (public host 127.0.0.1) instead of --no-relay. */
  relay?: { rtmpPort: number; httpPort: number };
}

export class ServeNode {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    readonly nodeId: string,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** `node --import tsx server/src/cli.ts serve --redis URL ...` on a free port. */
  static async start(redisUrl: string, o: NodeOptions = {}, port = 0): Promise<ServeNode> {
    const media = o.relay ? ['--rtmp-port', String(o.relay.rtmpPort), '--http-port', String(o.relay.httpPort)] : ['--no-relay'];
    const args = [
      '--import',
      'tsx',
      'server/src/cli.ts',
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      ...media,
      '--app-id',
      APP_ID,
      '--app-key',
      APP_KEY,
      '--redis',
      redisUrl,
    ];
    args.push('--resume-grace-ms', String(o.graceMs ?? 3000), '--node-ttl-ms', String(o.ttlMs ?? 1500), ...(o.args ?? []));
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: '' } });
    let out = '';
    const found = await new Promise<{ url: string; nodeId: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start in 20 s:\n${out}`)), 20_000);
      const look = (d: Buffer): void => {
        out += String(d);
        const url = /listening on (ws:\/\/\S+)/.exec(out)?.[1];
        const nodeId = /cluster node (\S+)/.exec(out)?.[1];
        if (url && nodeId) {
          clearTimeout(t);
          resolve({ url, nodeId });
        }
      };
      proc.stdout!.on('data', look);
      proc.stderr!.on('data', (d: Buffer) => (out += String(d)));
      proc.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`serve exited (${code}):\n${out}`));
      });
    });
    const node = new ServeNode(proc, found.url, found.nodeId, Number(new URL(found.url).port));
    node.output = out;
    proc.stdout!.on('data', (d: Buffer) => (node.output += String(d)));
    proc.stderr!.on('data', (d: Buffer) => (node.output += String(d)));
    return node;
  }

  get log(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL: no goodbye, as a crashed machine. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the clean stop a rolling restart does. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** Rooms read straight from Redis: what every client's view must equal. */
export class RedisView {
  readonly redis: Redis;
  readonly store: RedisRoomStore;

  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined);
    this.store = new RedisRoomStore(this.redis);
  }

  room(roomId: string) {
    return this.store.read({ appId: APP_ID, roomId }, (r) =>
      r
        ? {
            visible: [...r.members.values()]
              .filter((m) => m.visible)
              .map((m) => m.userId)
              .sort(),
            members: [...r.members.values()].map((m) => m.userId).sort(),
            streams: [...r.streams.values()]
              .filter((s) => !s.failed && (s.audio || s.video))
              .map((s) => ({ uid: s.userId, screen: s.screen, audio: s.audio, video: s.video })),
            subscriptions: [...r.subscriptions.values()].map((s) => `${s.subscriberId}>${s.userId}`).sort(),
          }
        : undefined,
    );
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** What a raw client knows of its room from its join answer and the events since. */
export function viewOf(c: RawClient, self: string): { peers: string[]; streams: { uid: string; screen: boolean; audio: boolean; video: boolean }[] } {
  const joined = [...c.frames].reverse().find((f) => f.type === 'response' && f.ok && f.data?.peers);
  const peers = new Set<string>(joined?.data.peers ?? []);
  const streams = new Map<string, { uid: string; screen: boolean; audio: boolean; video: boolean }>();
  for (const s of joined?.data.streams ?? []) streams.set(`${s.uid}|${s.screen}`, { ...s });
  const after = joined ? c.frames.slice(c.frames.indexOf(joined) + 1) : c.frames;
  for (const f of after) {
    if (f.type !== 'event') continue;
    const d = f.data;
    const k = `${d?.uid}|${d?.screen}`;
    if (f.event === 'peer-online') peers.add(d.uid);
    else if (f.event === 'peer-leave') peers.delete(d.uid);
    else if (f.event === 'stream-added') streams.set(k, { uid: d.uid, screen: d.screen, ...d.streamPublishState });
    else if (f.event === 'stream-removed') streams.delete(k);
    else if (/^(un)?mute-(audio|video)$/.test(f.event!)) {
      const s = streams.get(k);
      if (s) s[f.event!.endsWith('audio') ? 'audio' : 'video'] = f.event!.startsWith('unmute');
    }
  }
  return {
    peers: [...peers].filter((p) => p !== self).sort(),
    streams: [...streams.values()].filter((s) => s.uid !== self).sort((a, b) => a.uid.localeCompare(b.uid)),
  };
}

/** Event sequence numbers a client received, in order: 1, 2, 3, ... when nothing was lost or repeated. */
export const seqs = (c: RawClient): number[] => c.frames.filter((f) => f.type === 'event' && typeof f.seq === 'number').map((f) => f.seq!);

/** A load balancer stand-in: each new TCP connection goes to the next live upstream. */
export class RoundRobinProxy {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly upstreams: () => number[],
  ) {}

  static async start(upstreams: () => number[]): Promise<RoundRobinProxy> {
    const server = net.createServer();
    const p = new RoundRobinProxy(server, upstreams);
    server.on('connection', (c) => p.accept(c));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return p;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/`;
  }

  private accept(client: net.Socket): void {
    const ports = this.upstreams();
    if (ports.length === 0) return void client.destroy();
    const port = ports[this.next++ % ports.length]!;
    const up = net.connect(port, '127.0.0.1');
    for (const s of [client, up]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
