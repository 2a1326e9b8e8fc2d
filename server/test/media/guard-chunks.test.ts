// The guard's chunk reader must see exactly the messages node-media-server's parser sees, or a
// client could hide a message from the guard. Differential property: random well-formed RTMP
// chunk streams (any chunk stream ids, header compression, extended timestamps, chunk size
// changes, interleaved messages, split anywhere into reads) go through both parsers; every
// message, in order, has the same type, length and (for non-media) bytes. Plus the limits.

import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkReader, isKeyframe, type ChunkLimits } from '../../src/media/relay/guard/chunks.js';

const require = createRequire(import.meta.url);
interface LibPacket {
  header: { type: number; length: number };
  payload: Buffer;
}
interface LibRtmp {
  handshakeState: number;
  parserPacket: LibPacket;
  parserData(buf: Buffer): string | null;
  packetHandler(): void;
  controlHandler(): void;
}
const LibRtmpClass = require('node-media-server/src/protocol/rtmp.js') as new () => LibRtmp;
const LibFlv = require('node-media-server/src/protocol/flv.js') as { parserTag(type: number, time: number, size: number, data: Buffer): { flags: number } };

const LIMITS: ChunkLimits = { maxMessageBytes: 1 << 20, maxCommandBytes: 1 << 16, maxChunkStreams: 64, maxDeclaredBytes: 1 << 24, maxGopBytes: 1 << 30 };

type Seen = [type: number, length: number, payload: string | null];

interface Msg {
  csid: number;
  type: number;
  streamId: number;
  ts: number;
  payload: Uint8Array;
}

const msg: fc.Arbitrary<Msg> = fc
  .record({
    csid: fc.constantFrom(2, 3, 4, 5, 6, 8, 9, 64, 100, 319),
    kind: fc.constantFrom('video', 'audio', 'command', 'data', 'chunk-size', 'ack', 'event', 'window'),
    streamId: fc.constantFrom(0, 1),
    ts: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0xffffff, max: 0x1ffffff })),
    size: fc.integer({ min: 16, max: 600 }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' }),
  })
  .map(({ csid, kind, streamId, ts, size, bytes }) => {
    const fixed = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => bytes[i % bytes.length]!);
    switch (kind) {
      case 'chunk-size': {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(size);
        return { csid: 2, type: 1, streamId: 0, ts, payload: b };
      }
      case 'ack':
        return { csid: 2, type: 3, streamId: 0, ts, payload: fixed(4) };
      case 'window':
        return { csid: 2, type: 5, streamId: 0, ts, payload: fixed(4) };
      case 'event':
        return { csid: 2, type: 4, streamId: 0, ts, payload: fixed(6) };
      case 'command':
        return { csid, type: 20, streamId, ts, payload: bytes.subarray(0, 500) };
      case 'data':
        return { csid, type: 18, streamId, ts, payload: bytes.subarray(0, 500) };
      default:
        return { csid, type: kind === 'video' ? 9 : 8, streamId, ts, payload: bytes };
    }
  });

/** Encodes messages as a sender may: header compression where allowed, pairs interleaved by chunk. */
function encode(msgs: Msg[], choices: number[]): Buffer {
  const out: Buffer[] = [];
  let chunkSize = 128;
  let pick = 0;
  const choose = (n: number): number => choices[pick++ % choices.length]! % n;
  const last = new Map<number, { length: number; type: number; streamId: number; ts: number }>();
  const basic = (fmt: number, csid: number): Buffer => (csid < 64 ? Buffer.from([(fmt << 6) | csid]) : Buffer.from([fmt << 6, csid - 64]));
  const ext = (ts: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(ts);
    return b;
  };
  /** The chunks of one message, as separate buffers (so two messages can interleave). */
  const chunks = (m: Msg): Buffer[] => {
    const prev = last.get(m.csid);
    const length = m.payload.length;
    const field = Math.min(m.ts, 0xffffff);
    let fmt = 0;
    if (prev && prev.streamId === m.streamId) {
      const options = [0, 1];
      if (prev.length === length && prev.type === m.type) options.push(2);
      if (prev.length === length && prev.type === m.type && prev.ts === m.ts) options.push(3);
      fmt = options[choose(options.length)]!;
    }
    const h = Buffer.alloc([11, 7, 3, 0][fmt]!);
    if (fmt <= 2) h.writeUIntBE(field, 0, 3);
    if (fmt <= 1) {
      h.writeUIntBE(length, 3, 3);
      h[6] = m.type;
    }
    if (fmt === 0) h.writeUInt32LE(m.streamId, 7);
    // The stored timestamp field decides whether continuation chunks carry the extended one.
    const stored = fmt === 3 ? Math.min(prev!.ts, 0xffffff) : field;
    last.set(m.csid, { length, type: m.type, streamId: m.streamId, ts: fmt === 3 ? prev!.ts : m.ts });
    const extBytes = stored === 0xffffff ? ext(fmt === 3 ? prev!.ts : m.ts) : Buffer.alloc(0);
    const payload = Buffer.from(m.payload);
    const list = [Buffer.concat([basic(fmt, m.csid), h, extBytes, payload.subarray(0, chunkSize)])];
    for (let o = chunkSize; o < length; o += chunkSize) list.push(Buffer.concat([basic(3, m.csid), extBytes, payload.subarray(o, o + chunkSize)]));
    return list;
  };
  for (let i = 0; i < msgs.length; i++) {
    const a = msgs[i]!;
    const b = msgs[i + 1];
    // Interleave a pair on different chunk streams when neither changes the chunk size.
    if (b && a.csid !== b.csid && a.type !== 1 && b.type !== 1 && choose(2) === 1) {
      const ca = chunks(a);
      const cb = chunks(b);
      while (ca.length || cb.length) {
        if (ca.length) out.push(ca.shift()!);
        if (cb.length) out.push(cb.shift()!);
      }
      i++;
      continue;
    }
    out.push(...chunks(a));
    if (a.type === 1) chunkSize = Buffer.from(a.payload).readUInt32BE(0);
  }
  return Buffer.concat(out);
}

function viaLibrary(pieces: Buffer[]): Seen[] {
  const lib = new LibRtmpClass();
  lib.handshakeState = 3;
  const seen: Seen[] = [];
  const control = lib.controlHandler.bind(lib);
  lib.packetHandler = () => {
    const { type, length } = lib.parserPacket.header;
    const media = type === 8 || type === 9;
    seen.push([type, length, media ? null : lib.parserPacket.payload.subarray(0, length).toString('hex')]);
    if (type === 1 || type === 5) control();
  };
  for (const p of pieces) lib.parserData(p);
  return seen;
}

function viaGuard(pieces: Buffer[]): { seen: Seen[]; verdicts: string[] } {
  const seen: Seen[] = [];
  const reader = new ChunkReader(
    LIMITS,
    () => 'ok',
    () => true,
    (type, length, payload) => seen.push([type, length, payload ? payload.toString('hex') : null]),
  );
  const verdicts = pieces.map((p) => reader.feed(p).verdict);
  return { seen, verdicts };
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    if (c > from) out.push(buf.subarray(from, c));
    from = Math.max(from, c);
  }
  if (from < buf.length) out.push(buf.subarray(from));
  return out;
}

describe('guard chunk reader', () => {
  it('property: sees the same messages as the library, however the stream is chunked and read', () => {
    fc.assert(
      fc.property(
        fc.array(msg, { minLength: 1, maxLength: 25, size: 'max' }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20, size: 'max' }),
        (msgs, choices, cuts) => {
          const bytes = encode(msgs, choices);
          const pieces = split(bytes, cuts);
          const guard = viaGuard(pieces);
          // The generated timestamps never overflow the library's clock: nothing here is refused.
          expect(guard.verdicts.every((v) => v === 'pass')).toBe(true);
          expect(guard.seen).toEqual(viaLibrary(pieces));
          expect(guard.seen).toHaveLength(msgs.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a header before the library would allocate it: size, chunk streams, declared total, types, 3-byte ids', () => {
    const header = (csid: number, type: number, length: number): Buffer => {
      const h = Buffer.alloc(12);
      h[0] = csid;
      h.writeUIntBE(length, 4, 3);
      h[7] = type;
      return h;
    };
    const verdict = (buf: Buffer, media = true) =>
      new ChunkReader(
        LIMITS,
        () => 'ok',
        () => media,
      ).feed(buf);
    expect(verdict(header(4, 9, 16 * 1024 * 1024 - 1))).toMatchObject({ verdict: 'reject' });
    expect(verdict(header(3, 20, 1 << 17))).toMatchObject({ verdict: 'reject' });
    expect(verdict(header(4, 9, 100), false)).toMatchObject({ verdict: 'reject', reason: 'media before an accepted publish' });
    expect(verdict(header(4, 22, 10))).toMatchObject({ verdict: 'reject', reason: 'message type 22' });
    expect(verdict(header(2, 1, 3))).toMatchObject({ verdict: 'reject' });
    expect(verdict(Buffer.from([1, 0, 0]))).toMatchObject({ verdict: 'reject', reason: '3-byte chunk basic header' });
    const streams = Buffer.concat(
      Array.from({ length: 65 }, (_, i) =>
        Buffer.concat([i < 62 ? Buffer.from([2 + i]) : Buffer.from([0, i]), header(0, 9, 10).subarray(1), Buffer.alloc(10)]),
      ),
    );
    expect(verdict(streams)).toMatchObject({ verdict: 'reject', reason: `more than ${LIMITS.maxChunkStreams} chunk streams` });
    const small = { ...LIMITS, maxDeclaredBytes: LIMITS.maxMessageBytes };
    // The first message's first chunk (128 bytes), then another chunk stream's header.
    const total = Buffer.concat([header(4, 9, LIMITS.maxMessageBytes), Buffer.alloc(128), header(5, 9, 1)]);
    expect(
      new ChunkReader(
        small,
        () => 'ok',
        () => true,
      ).feed(total),
    ).toMatchObject({ verdict: 'reject' });
  });

  it('holds at the last byte of a message the caller wants to decide on', () => {
    const payload = Buffer.from('0200077075626c697368', 'hex');
    const h = Buffer.alloc(12);
    h[0] = 3;
    h.writeUIntBE(payload.length, 4, 3);
    h[7] = 20;
    const bytes = Buffer.concat([h, payload, Buffer.from([0xaa, 0xbb])]);
    const r = new ChunkReader(
      LIMITS,
      () => 'hold',
      () => true,
    ).feed(bytes);
    expect(r).toEqual({ verdict: 'hold', at: 12 + payload.length - 1 });
  });

  it('property: takes a video message for a keyframe exactly when the library does', () => {
    const lead = fc.tuple(
      fc.oneof(fc.constantFrom(0x17, 0x27, 0x97, 0x91, 0x93, 0x90, 0x14, 0x12), fc.integer({ min: 0, max: 255 })),
      fc.oneof(
        fc.constantFrom(...'av01vp09hvc1avc1'.match(/.{4}/g)!).map((f) => [...Buffer.from(f)]),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      ),
    );
    fc.assert(
      fc.property(lead, ([b0, rest]) => {
        const bytes = [b0, ...rest];
        // The library reads from a buffer at least 1024 bytes longer than the message.
        const data = Buffer.alloc(1024 + 5);
        Buffer.from(bytes).copy(data);
        expect(isKeyframe(bytes)).toBe(LibFlv.parserTag(9, 0, 5, data).flags === 3);
      }),
      { numRuns: 2000 },
    );
  });

  it('caps the media a publisher sends between keyframes (the library caches it); a sequence header does not reset it', () => {
    const limits = { ...LIMITS, maxGopBytes: 10_000 };
    const video = (lead: number[], length: number): Buffer => {
      const h = Buffer.alloc(12);
      h[0] = 6;
      h.writeUIntBE(length, 4, 3);
      h[7] = 9;
      const payload = Buffer.alloc(length);
      Buffer.from(lead).copy(payload);
      const out = [Buffer.concat([h, payload.subarray(0, 128)])];
      for (let o = 128; o < length; o += 128) out.push(Buffer.from([0xc6]), payload.subarray(o, o + 128));
      return Buffer.concat(out);
    };
    const reader = new ChunkReader(
      limits,
      () => 'ok',
      () => true,
    );
    const key = [0x17, 0x01, 0, 0, 0];
    const inter = [0x27, 0x01, 0, 0, 0];
    const seqHeader = [0x17, 0x00, 0, 0, 0];
    // Before any keyframe nothing is cached: no limit.
    for (let i = 0; i < 5; i++) expect(reader.feed(video(inter, 4_000)).verdict).toBe('pass');
    expect(reader.feed(video(key, 4_000)).verdict).toBe('pass');
    expect(reader.feed(video(inter, 4_000)).verdict).toBe('pass');
    expect(reader.feed(video(seqHeader, 100)).verdict).toBe('pass');
    expect(reader.feed(video(key, 4_000)).verdict).toBe('pass'); // a new keyframe starts the count again
    expect(reader.feed(video(inter, 4_000)).verdict).toBe('pass');
    expect(reader.feed(video(seqHeader, 100)).verdict).toBe('pass');
    expect(reader.feed(video(inter, 4_000))).toMatchObject({ verdict: 'reject', reason: expect.stringMatching(/since the last keyframe/) });
  });
});
