// Byte layout of an AccessToken, version 001. All integers little-endian; the reference
// generators store the four 32-bit fields as signed integers, so we read them back signed.
//
//   token   = "001" + appId (24 chars) + base64(content)
//   content = u16 len(msg) | msg | u16 len(sig) | sig
//   msg     = u32 nonce | u32 issuedAt | u32 expireAt | str roomId | str userId
//             | u16 count | count x (u16 privilege | u32 expireAt)
export const VERSION = '001';
export const APP_ID_LENGTH = 24;

export interface TokenBody {
  nonce: number;
  issuedAt: number;
  expireAt: number;
  roomId: string;
  userId: string;
  /** privilege number -> expireAt (Unix seconds, 0 = never), ascending by privilege */
  privileges: Map<number, number>;
}

class Writer {
  private parts: Buffer[] = [];
  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    this.parts.push(b);
  }
  i32(n: number): void {
    const b = Buffer.alloc(4);
    // Two's complement wrap: what a signed 32-bit field of the reference generators holds.
    b.writeInt32LE(n | 0);
    this.parts.push(b);
  }
  bytes(b: Buffer): void {
    this.u16(b.length);
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Thrown by Reader on truncated input; caught by decode. */
class Truncated extends Error {}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Truncated('truncated');
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.u16();
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  get rest(): number {
    return this.buf.length - this.at;
  }
}

export function packMessage(body: TokenBody): Buffer {
  const w = new Writer();
  w.i32(body.nonce);
  w.i32(body.issuedAt);
  w.i32(body.expireAt);
  w.bytes(Buffer.from(body.roomId, 'utf8'));
  w.bytes(Buffer.from(body.userId, 'utf8'));
  const sorted = [...body.privileges.entries()].sort((a, b) => a[0] - b[0]);
  w.u16(sorted.length);
  for (const [privilege, expireAt] of sorted) {
    w.u16(privilege);
    w.i32(expireAt);
  }
  return w.done();
}

export function packContent(msg: Buffer, signature: Buffer): Buffer {
  const w = new Writer();
  w.bytes(msg);
  w.bytes(signature);
  return w.done();
}

/** Splits content into msg and signature; null when the framing is wrong. */
export function unpackContent(content: Buffer): { msg: Buffer; signature: Buffer } | null {
  try {
    const r = new Reader(content);
    const msg = r.bytes();
    const signature = r.bytes();
    return r.rest === 0 ? { msg, signature } : null;
  } catch (e) {
    if (e instanceof Truncated) return null;
    throw e;
  }
}

/** Parses msg; null when it is truncated, has trailing bytes or non-UTF-8 ids. */
export function unpackMessage(msg: Buffer): TokenBody | null {
  try {
    const r = new Reader(msg);
    const nonce = r.i32();
    const issuedAt = r.i32();
    const expireAt = r.i32();
    const roomId = decodeUtf8(r.bytes());
    const userId = decodeUtf8(r.bytes());
    const count = r.u16();
    const privileges = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const privilege = r.u16();
      privileges.set(privilege, r.i32());
    }
    if (r.rest !== 0 || roomId === null || userId === null) return null;
    return { nonce, issuedAt, expireAt, roomId, userId, privileges };
  } catch (e) {
    if (e instanceof Truncated) return null;
    throw e;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(b: Buffer): string | null {
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}
