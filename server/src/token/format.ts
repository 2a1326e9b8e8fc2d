// Byte layout of an AccessToken, version 001. All integers little-endian; the reference
// generators store the four 32-bit fields as signed integers, so we read them back signed.
//
//   token   = "001" + appId (24 chars) + base64(content)
//   content = u16 len(msg) | msg | u16 len(sig) | sig
//   msg     = u32 nonce | u32 issuedAt | u32 expireAt | str roomId | str userId
//             | u16 count | count x (u16 privilege | u32 expireAt)
import { isUtf8 } from 'node:buffer';

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
  const len = content.length;
  if (len < 2) return null;
  const sigAt = 2 + content.readUInt16LE(0);
  if (sigAt + 2 > len || sigAt + 2 + content.readUInt16LE(sigAt) !== len) return null;
  return { msg: content.subarray(2, sigAt), signature: content.subarray(sigAt + 2) };
}

/**
 * Parses msg; null when it is truncated, has trailing bytes or non-UTF-8 ids. Read by offsets
 * (no reader object, no exception for a short one): every join decodes a token.
 */
export function unpackMessage(msg: Buffer): TokenBody | null {
  const len = msg.length;
  if (len < 14) return null;
  const nonce = msg.readInt32LE(0);
  const issuedAt = msg.readInt32LE(4);
  const expireAt = msg.readInt32LE(8);
  const roomAt = 14;
  const roomEnd = roomAt + msg.readUInt16LE(12);
  if (roomEnd + 2 > len) return null;
  const userAt = roomEnd + 2;
  const userEnd = userAt + msg.readUInt16LE(roomEnd);
  if (userEnd + 2 > len) return null;
  const count = msg.readUInt16LE(userEnd);
  if (userEnd + 2 + count * 6 !== len) return null;
  const roomId = utf8Of(msg, roomAt, roomEnd);
  const userId = utf8Of(msg, userAt, userEnd);
  if (roomId === null || userId === null) return null;
  const privileges = new Map<number, number>();
  for (let at = userEnd + 2; at < len; at += 6) privileges.set(msg.readUInt16LE(at), msg.readInt32LE(at + 2));
  return { nonce, issuedAt, expireAt, roomId, userId, privileges };
}

/** The bytes [from, to) as a string; null when they are not UTF-8. */
function utf8Of(b: Buffer, from: number, to: number): string | null {
  return isUtf8(b.subarray(from, to)) ? b.toString('utf8', from, to) : null;
}
