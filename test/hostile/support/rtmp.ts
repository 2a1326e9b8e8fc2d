// Raw RTMP for hostile tests: a handshake, chunks built by hand (any header, any size, any chunk
// stream), AMF0 commands, and (re-exported) the relay library's own client class for well-behaved calls.

import { connect, Socket } from 'node:net';

type Amf = number | string | boolean | null | { [k: string]: Amf };

/** AMF0 for the values a command needs. */
export function amf0(...values: Amf[]): Buffer {
  const out: Buffer[] = [];
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const one = (v: Amf): void => {
    if (v === null) out.push(Buffer.from([0x05]));
    else if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0;
      b.writeDoubleBE(v, 1);
      out.push(b);
    } else if (typeof v === 'boolean') out.push(Buffer.from([0x01, v ? 1 : 0]));
    else if (typeof v === 'string') out.push(Buffer.from([0x02]), str(v));
    else {
      out.push(Buffer.from([0x03]));
      for (const [k, x] of Object.entries(v)) {
        out.push(str(k));
        one(x);
      }
      out.push(Buffer.from([0, 0, 0x09]));
    }
  };
  for (const v of values) one(v);
  return Buffer.concat(out);
}

/** One chunk with a type-0 header (declared length may differ from the payload carried). */
export function chunk0(csid: number, type: number, declaredLength: number, payload: Buffer, streamId = 0): Buffer {
  const basic = csid < 64 ? Buffer.from([csid]) : Buffer.from([0, csid - 64]);
  const h = Buffer.alloc(11);
  h.writeUIntBE(0, 0, 3);
  h.writeUIntBE(declaredLength, 3, 3);
  h[6] = type;
  h.writeUInt32LE(streamId, 7);
  return Buffer.concat([basic, h, payload]);
}

/** A whole message in chunks of `chunkSize` (type-3 continuations). */
export function message(csid: number, type: number, payload: Buffer, streamId = 0, chunkSize = 128): Buffer {
  const parts = [chunk0(csid, type, payload.length, payload.subarray(0, chunkSize), streamId)];
  for (let o = chunkSize; o < payload.length; o += chunkSize) parts.push(Buffer.from([0xc0 | csid]), payload.subarray(o, o + chunkSize));
  return Buffer.concat(parts);
}

/** An AMF0 command message on chunk stream 3. */
export function command(name: string, txn: number, ...args: Amf[]): Buffer {
  return message(3, 20, amf0(name, txn, ...args));
}

/** A raw TCP connection to an RTMP port with a recorder of what comes back. */
export class RawRtmp {
  readonly socket: Socket;
  received = 0;
  private buf = Buffer.alloc(0);
  readonly closed: Promise<void>;
  readonly opened: Promise<void>;

  /** port 0: a connection never opened (only for building messages). */
  constructor(port: number, host = '127.0.0.1', localAddress?: string) {
    this.socket = port === 0 ? new Socket() : connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.buf.length < 8192) this.buf = Buffer.concat([this.buf, d]);
    });
    this.opened = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  write(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  /** C0 C1, wait for S0 S1 S2, then C2 (the simple handshake). */
  async handshake(): Promise<void> {
    await this.opened;
    const c1 = Buffer.alloc(1536);
    this.write(Buffer.concat([Buffer.from([3]), c1]));
    for (let i = 0; i < 200 && this.received < 3073 && !this.isClosed; i++) await new Promise((r) => setTimeout(r, 10));
    if (this.received < 3073) throw new Error('no S0 S1 S2');
    this.write(this.buf.subarray(1, 1537));
  }

  /** A well-formed connect (the relay's app name rule holds for `app`). */
  connectCommand(app = 'live', tcUrl: string | null = 'rtmp://127.0.0.1/live'): Buffer {
    return command('connect', 1, { app, ...(tcUrl === null ? {} : { tcUrl }), flashVer: 'FMLE/3.0', type: 'nonprivate' });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export { LibraryRtmpClient, libraryClient, markedVideo, type LibraryClient, type LibraryPacket } from '../../../server/test/media/support/library-rtmp.js';
