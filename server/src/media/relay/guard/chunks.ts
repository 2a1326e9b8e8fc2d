// The inbound half of an RTMP connection, read the way node-media-server v4 reads it (same
// chunk-size rules, same header reuse per chunk stream, same extended-timestamp rule), so the
// guard sees exactly the messages the library will see, and can refuse a header or a message
// before its last byte reaches the library. Media payloads are only counted; command, data and
// control messages are collected (they are small) for the caller to validate.

export interface ChunkLimits {
  /** Largest message length an audio or video chunk header may declare. */
  maxMessageBytes: number;
  /** Largest command or data message (collected and validated whole). */
  maxCommandBytes: number;
  /** Most chunk-stream ids one connection may use. */
  maxChunkStreams: number;
  /** Sum over the connection's chunk streams of the largest length each declared: what the library allocates. */
  maxDeclaredBytes: number;
  /**
   * Audio and video bytes a publisher may send after a video keyframe before the next one: the
   * library caches them all (its GOP cache) for late joiners.
   */
  maxGopBytes: number;
}

export interface RtmpMessage {
  type: number;
  streamId: number;
  payload: Buffer;
}

/** What the caller makes of a collected message: pass it on, hold the connection, or refuse it. */
export type MessageVerdict = 'ok' | 'hold' | { reject: string };

export type FeedResult =
  | { verdict: 'pass' }
  /** The message ending at byte `at` needs a decision first: forward buf[0, at), keep the rest. */
  | { verdict: 'hold'; at: number }
  | { verdict: 'reject'; reason: string };

export const TYPE_SET_CHUNK_SIZE = 1;
export const TYPE_AUDIO = 8;
export const TYPE_VIDEO = 9;
export const TYPE_DATA_AMF0 = 18;
export const TYPE_COMMAND_AMF3 = 17;
export const TYPE_COMMAND_AMF0 = 20;

/** Exact or maximum payload sizes of the protocol control and user control messages. */
const CONTROL: Record<number, { min: number; max: number }> = {
  1: { min: 4, max: 4 },
  2: { min: 4, max: 4 },
  3: { min: 4, max: 4 },
  4: { min: 2, max: 64 },
  5: { min: 4, max: 4 },
  6: { min: 5, max: 5 },
};
const HEADER_SIZE = [11, 7, 3, 0];

interface ChunkStream {
  timestamp: number;
  length: number;
  type: number;
  streamId: number;
  clock: number;
  bytes: number;
  declared: number;
  collected: Buffer[] | null;
  /** The first payload bytes of the current message (media: codec, frame and packet type). */
  lead: number[];
}

const enum State {
  Init,
  Basic,
  Header,
  Extended,
  Payload,
}

class Refused extends Error {}

const KEY_FOURCCS = new Set(['av01', 'vp09', 'hvc1']);

/** Whether node-media-server takes a video message starting with these bytes for a keyframe. */
export function isKeyframe(lead: number[]): boolean {
  if (lead.length < 2) return false;
  const b0 = lead[0]!;
  if (((b0 >> 4) & 7) !== 1) return false;
  if (b0 & 0x80) {
    // Enhanced RTMP: a FourCC, and coded frames (packet type 1 or 3) only.
    if (lead.length < 5) return false;
    const fourcc = String.fromCharCode(...lead.slice(1, 5));
    return KEY_FOURCCS.has(fourcc) && ((b0 & 0x0f) === 1 || (b0 & 0x0f) === 3);
  }
  // Legacy FLV: H.264 only, and not its sequence header.
  return (b0 & 0x0f) === 7 && lead[1] !== 0;
}

export class ChunkReader {
  private inChunkSize = 128;
  private state = State.Init;
  private readonly head = Buffer.alloc(18);
  private headBytes = 0;
  private basicBytes = 0;
  private cs: ChunkStream | null = null;
  private readonly streams = new Map<number, ChunkStream>();
  private declaredTotal = 0;
  /** Media bytes since the last video keyframe (-1: no keyframe yet, so nothing is cached). */
  private sinceKeyframe = -1;

  constructor(
    private readonly limits: ChunkLimits,
    private readonly onMessage: (msg: RtmpMessage) => MessageVerdict,
    /** Whether audio, video and data messages are acceptable now (after an admitted publish). */
    private readonly mediaAllowed: () => boolean,
    /** Sees every complete message (payload only for collected ones); for tests. */
    private readonly observe?: (type: number, length: number, payload: Buffer | null) => void,
  ) {}

  feed(buf: Buffer): FeedResult {
    try {
      return this.read(buf);
    } catch (e) {
      if (e instanceof Refused) return { verdict: 'reject', reason: e.message };
      throw e;
    }
  }

  private read(buf: Buffer): FeedResult {
    let p = 0;
    while (p < buf.length) {
      switch (this.state) {
        case State.Init: {
          const b = buf[p++]!;
          this.head[0] = b;
          this.headBytes = 1;
          const low = b & 0x3f;
          // The library computes 3-byte chunk-stream ids differently from the spec; we refuse the
          // form rather than disagree with it about which stream a chunk belongs to.
          if (low === 1) throw new Refused('3-byte chunk basic header');
          this.basicBytes = low === 0 ? 2 : 1;
          this.state = this.basicBytes === 1 ? State.Header : State.Basic;
          if (this.state === State.Header && HEADER_SIZE[b >> 6] === 0) {
            const r = this.headerDone(buf, p - 1);
            if (r) return r;
          }
          break;
        }
        case State.Basic:
          this.head[this.headBytes++] = buf[p++]!;
          this.state = State.Header;
          if (HEADER_SIZE[this.head[0]! >> 6] === 0) {
            const r = this.headerDone(buf, p - 1);
            if (r) return r;
          }
          break;
        case State.Header: {
          const size = HEADER_SIZE[this.head[0]! >> 6]! + this.basicBytes;
          while (this.headBytes < size && p < buf.length) this.head[this.headBytes++] = buf[p++]!;
          if (this.headBytes >= size) {
            const r = this.headerDone(buf, p - 1);
            if (r) return r;
          }
          break;
        }
        case State.Extended: {
          const size = HEADER_SIZE[this.head[0]! >> 6]! + this.basicBytes + 4;
          while (this.headBytes < size && p < buf.length) this.head[this.headBytes++] = buf[p++]!;
          if (this.headBytes >= size) {
            const r = this.extendedDone(this.head.readUInt32BE(size - 4), p - 1);
            if (r) return r;
          }
          break;
        }
        case State.Payload: {
          const cs = this.cs!;
          let size = Math.min(this.inChunkSize - (cs.bytes % this.inChunkSize), cs.length - cs.bytes);
          size = Math.min(size, buf.length - p);
          if (size > 0 && cs.collected) cs.collected.push(buf.subarray(p, p + size));
          for (let i = 0; i < size && cs.bytes + i < 5; i++) cs.lead.push(buf[p + i]!);
          cs.bytes += size;
          p += size;
          if (cs.bytes >= cs.length) {
            const r = this.complete(cs, p - 1);
            if (r) return r;
          } else if (cs.bytes % this.inChunkSize === 0) this.state = State.Init;
          break;
        }
      }
    }
    return { verdict: 'pass' };
  }

  /** The basic and message header are in; `last` is the index of their last byte in the buffer. */
  private headerDone(_buf: Buffer, last: number): FeedResult | null {
    const fmt = this.head[0]! >> 6;
    const csid = this.basicBytes === 2 ? 64 + this.head[1]! : this.head[0]! & 0x3f;
    let cs = this.streams.get(csid);
    if (!cs) {
      if (this.streams.size >= this.limits.maxChunkStreams) throw new Refused(`more than ${this.limits.maxChunkStreams} chunk streams`);
      cs = { timestamp: 0, length: 0, type: 0, streamId: 0, clock: 0, bytes: 0, declared: 0, collected: null, lead: [] };
      this.streams.set(csid, cs);
    }
    this.cs = cs;
    let o = this.basicBytes;
    if (fmt <= 1 && cs.bytes > 0) throw new Refused('a new message header in the middle of a message');
    if (fmt <= 2) {
      cs.timestamp = this.head.readUIntBE(o, 3);
      o += 3;
    }
    if (fmt <= 1) {
      cs.length = this.head.readUIntBE(o, 3);
      cs.type = this.head[o + 3]!;
      o += 4;
    }
    if (fmt === 0) cs.streamId = this.head.readUInt32LE(o);
    if (cs.timestamp === 0xffffff) {
      this.state = State.Extended;
      return null;
    }
    return this.extendedDone(cs.timestamp, last);
  }

  /** The whole chunk header is in: this is where the library allocates a new message's buffer. */
  private extendedDone(timestamp: number, last: number): FeedResult | null {
    const cs = this.cs!;
    if (cs.bytes === 0) {
      cs.clock = this.head[0]! >> 6 === 0 ? timestamp : cs.clock + timestamp;
      this.checkNewMessage(cs);
      cs.collected = this.collects(cs.type) ? [] : null;
      cs.lead = [];
    }
    this.state = State.Payload;
    // A message of length 0 is complete with its header.
    if (cs.length === 0) return this.complete(cs, last);
    return null;
  }

  private checkNewMessage(cs: ChunkStream): void {
    const t = cs.type;
    const control = CONTROL[t];
    if (control) {
      if (cs.length < control.min || cs.length > control.max) throw new Refused(`control message ${t} of ${cs.length} bytes`);
    } else if (t === TYPE_AUDIO || t === TYPE_VIDEO) {
      if (!this.mediaAllowed()) throw new Refused('media before an accepted publish');
      if (cs.length > this.limits.maxMessageBytes) throw new Refused(`a ${cs.length}-byte media message (limit ${this.limits.maxMessageBytes})`);
    } else if (t === TYPE_DATA_AMF0 || t === TYPE_COMMAND_AMF0 || t === TYPE_COMMAND_AMF3) {
      if (t === TYPE_DATA_AMF0 && !this.mediaAllowed()) throw new Refused('data before an accepted publish');
      if (cs.length === 0 || cs.length > this.limits.maxCommandBytes)
        throw new Refused(`a ${cs.length}-byte message of type ${t} (limit ${this.limits.maxCommandBytes})`);
    } else {
      throw new Refused(`message type ${t}`);
    }
    if (cs.length > cs.declared) {
      this.declaredTotal += cs.length - cs.declared;
      cs.declared = cs.length;
      if (this.declaredTotal > this.limits.maxDeclaredBytes) {
        throw new Refused(`chunk streams declare ${this.declaredTotal} bytes (limit ${this.limits.maxDeclaredBytes})`);
      }
    }
  }

  /**
   * The library's GOP cache keeps every audio and video message from a video keyframe (as it
   * reads one: flv.js parserTag, flags 3) to the next. A message too short to tell counts as no
   * keyframe, which only ever counts more than the library keeps.
   */
  private countMedia(cs: ChunkStream): void {
    const keyframe = cs.type === TYPE_VIDEO && isKeyframe(cs.lead);
    if (keyframe) {
      this.sinceKeyframe = cs.length;
      return;
    }
    if (this.sinceKeyframe < 0) return;
    this.sinceKeyframe += cs.length;
    if (this.sinceKeyframe > this.limits.maxGopBytes)
      throw new Refused(`${this.sinceKeyframe} media bytes since the last keyframe (limit ${this.limits.maxGopBytes})`);
  }

  private collects(type: number): boolean {
    return type !== TYPE_AUDIO && type !== TYPE_VIDEO;
  }

  /** A message is complete; `last` is the index of its last byte in the current buffer. */
  private complete(cs: ChunkStream, last: number): FeedResult | null {
    cs.bytes = 0;
    this.state = State.Init;
    // The library drops messages whose clock overflowed, without applying them: refuse instead
    // of guessing which control messages it skipped.
    if (cs.clock > 0xffffffff) throw new Refused('timestamp overflow');
    const parts = cs.collected;
    cs.collected = null;
    if (!parts) {
      this.observe?.(cs.type, cs.length, null);
      this.countMedia(cs);
      return null;
    }
    const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.observe?.(cs.type, cs.length, payload);
    if (cs.type === TYPE_SET_CHUNK_SIZE) {
      const size = payload.readUInt32BE(0);
      if (size < 1 || size > 0x7fffffff) throw new Refused(`chunk size ${size}`);
      this.inChunkSize = size;
      return null;
    }
    if (CONTROL[cs.type]) return null;
    const verdict = this.onMessage({ type: cs.type, streamId: cs.streamId, payload: Buffer.from(payload) });
    if (verdict === 'ok') return null;
    if (verdict === 'hold') return { verdict: 'hold', at: last };
    throw new Refused(verdict.reject);
  }
}
