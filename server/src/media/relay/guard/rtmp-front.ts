// The public RTMP port. Each client connection is checked here (handshake, chunk headers,
// commands, time limits) and only then piped to the relay library on a loopback port; a
// publish or play is held until the host authorised it. Anything refused closes the client and
// never reaches the library.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { ChunkReader, TYPE_DATA_AMF0, type MessageVerdict, type RtmpMessage } from './chunks.js';
import { checkData, readCommand, type CommandLimits } from './commands.js';
import { nextConnId, parseQuery, type Admission, type FrontConn, type FrontHost } from './front.js';
import { ConnectionCounter, type GuardLimits } from './limits.js';
import { DEFAULT_AMF0_LIMITS } from './amf0.js';

const C0C1 = 1537;
const HANDSHAKE = 1537 + 1536;

export interface RtmpFrontOptions {
  limits: GuardLimits;
  counter: ConnectionCounter;
  host: FrontHost;
  /** The relay library's loopback RTMP port. */
  upstreamPort: number;
}

export function createRtmpFront(options: RtmpFrontOptions): Server {
  const server = createServer((socket) => {
    const address = socket.remoteAddress ?? '?';
    const release = options.counter.acquire(address);
    if (!release) {
      options.host.refused('connection limit');
      socket.destroy();
      return;
    }
    new RtmpConnection(socket, address, release, options);
  });
  return server;
}

const COMMAND_LIMITS: CommandLimits = { ...DEFAULT_AMF0_LIMITS, maxUrl: 2048, maxQuery: 2048 };

class RtmpConnection implements FrontConn {
  readonly id = nextConnId();
  private upstream: Socket | null = null;
  private handshakeBytes = 0;
  private readonly c0c1: Buffer[] = [];
  private readonly reader: ChunkReader;
  private connected = false;
  private request: Admission | null = null;
  private live = false;
  /** Client bytes kept while a publish/play is being authorised. */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private dead = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private firstCommandTimer: NodeJS.Timeout | null = null;
  private startTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: Socket,
    readonly address: string,
    private readonly release: () => void,
    private readonly options: RtmpFrontOptions,
  ) {
    const { limits } = options;
    this.reader = new ChunkReader(
      limits,
      (msg) => this.onMessage(msg),
      () => this.live && this.request?.purpose === 'push',
    );
    client.setNoDelay(true);
    client.setTimeout(limits.idleTimeoutMs, () => this.kill('idle'));
    this.timer(limits.handshakeTimeoutMs, 'handshake timeout');
    client.on('data', (d: Buffer) => this.onData(d));
    client.on('error', () => this.kill(''));
    client.on('close', () => this.kill(''));
  }

  kill(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (reason) this.options.host.refused(reason);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.client.destroy();
    this.upstream?.destroy();
    this.release();
    this.options.host.closed(this);
  }

  private timer(ms: number, reason: string): NodeJS.Timeout {
    const t = setTimeout(() => this.kill(reason), ms);
    this.timers.add(t);
    return t;
  }

  private clear(t: NodeJS.Timeout | null): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  private onData(data: Buffer): void {
    if (this.dead) return;
    if (this.held) {
      this.hold(data);
      return;
    }
    if (this.handshakeBytes < HANDSHAKE) {
      const n = Math.min(HANDSHAKE - this.handshakeBytes, data.length);
      const part = data.subarray(0, n);
      // RTMP version 3 only (no RTMPE, no HTTP on the RTMP port).
      if (this.handshakeBytes === 0 && part[0] !== 3) return this.kill('not an RTMP handshake');
      const before = this.handshakeBytes;
      this.handshakeBytes += n;
      if (before < C0C1) {
        this.c0c1.push(part);
        if (this.handshakeBytes >= C0C1) this.openUpstream(Buffer.concat(this.c0c1));
      } else this.forward(part);
      if (this.handshakeBytes === HANDSHAKE) this.handshakeDone();
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    this.feed(data);
  }

  private handshakeDone(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.firstCommandTimer = this.timer(this.options.limits.firstCommandTimeoutMs, 'no connect in time');
    this.startTimer = this.timer(this.options.limits.startTimeoutMs, 'no publish or play in time');
  }

  private openUpstream(c0c1: Buffer): void {
    const up = connect(this.options.upstreamPort, '127.0.0.1');
    this.upstream = up;
    up.setNoDelay(true);
    up.once('connect', () => {
      if (this.dead) return;
      this.options.host.upstream(this, up.localPort!);
    });
    up.write(c0c1);
    up.on('data', (d: Buffer) => {
      if (this.dead) return;
      this.client.write(d);
      if (this.client.writableLength > this.options.limits.maxOutboundBacklogBytes) this.kill('client not reading');
    });
    up.on('drain', () => {
      if (!this.held) this.client.resume();
    });
    up.on('error', () => this.kill(''));
    up.on('close', () => this.kill(''));
  }

  private forward(buf: Buffer): void {
    if (buf.length === 0 || !this.upstream) return;
    if (!this.upstream.write(buf)) this.client.pause();
  }

  private feed(buf: Buffer): void {
    const r = this.reader.feed(buf);
    if (this.dead) return;
    if (r.verdict === 'pass') return this.forward(buf);
    if (r.verdict === 'reject') return this.kill(r.reason);
    // Everything before the publish/play message's last byte goes on; the rest waits.
    this.forward(buf.subarray(0, r.at));
    this.held = [];
    this.heldBytes = 0;
    this.client.pause();
    this.hold(buf.subarray(r.at));
    void this.authorise();
  }

  private hold(buf: Buffer): void {
    this.held!.push(buf);
    this.heldBytes += buf.length;
    if (this.heldBytes > this.options.limits.maxPendingBytes) this.kill('too much data while authorising');
  }

  private async authorise(): Promise<void> {
    const request = this.request!;
    let ok: boolean;
    try {
      ok = await this.options.host.admit(this, request);
    } catch {
      ok = false;
    }
    if (this.dead) return;
    if (!ok) return this.kill('not authorised');
    this.live = true;
    this.clear(this.startTimer);
    const held = this.held!;
    this.held = null;
    // The first held byte ends the already-checked publish/play message.
    const first = held[0]!;
    this.forward(first.subarray(0, 1));
    const rest = [first.subarray(1), ...held.slice(1)];
    for (const buf of rest) {
      if (this.dead || this.held) {
        if (this.held) this.hold(buf);
        continue;
      }
      if (buf.length > 0) this.feed(buf);
    }
    if (!this.dead && !this.held) this.client.resume();
  }

  private onMessage(msg: RtmpMessage): MessageVerdict {
    if (msg.type === TYPE_DATA_AMF0) return checkData(msg, DEFAULT_AMF0_LIMITS) === true ? 'ok' : { reject: 'bad data message' };
    const cmd = readCommand(msg, COMMAND_LIMITS);
    if ('reject' in cmd) return cmd;
    if (cmd.kind === 'connect') {
      if (this.connected) return { reject: 'a second connect' };
      this.connected = true;
      this.clear(this.firstCommandTimer);
      this.app = cmd.app;
      return 'ok';
    }
    if (!this.connected) return { reject: 'a command before connect' };
    if (cmd.kind === 'other') return 'ok';
    if (this.request) return { reject: 'a second publish or play' };
    this.request = {
      purpose: cmd.kind === 'publish' ? 'push' : 'play',
      protocol: 'rtmp',
      app: this.app,
      stream: cmd.stream,
      query: parseQuery(cmd.query),
    };
    return 'hold';
  }

  private app = '';
}
