// A bounded AMF0 reader for what clients send in RTMP command and data messages. It accepts a
// conservative subset (the types node-media-server's own decoder reads without tripping) and
// answers null for anything else, instead of throwing: a message that fails here never reaches
// the relay library.

export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | { [key: string]: Amf0Value };

export interface Amf0Limits {
  /** Longest string (bytes) and object key accepted. */
  maxString: number;
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most values in one message, counting nested ones. */
  maxValues: number;
}

export const DEFAULT_AMF0_LIMITS: Amf0Limits = { maxString: 4096, maxDepth: 8, maxValues: 1024 };

class Reject extends Error {}

/** Every value in buf, in order, or null when buf is not exactly a sequence of accepted values. */
export function readAmf0(buf: Buffer, limits: Amf0Limits = DEFAULT_AMF0_LIMITS): Amf0Value[] | null {
  let pos = 0;
  let count = 0;
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new Reject();
  };
  const str = (lenBytes: 2 | 4): string => {
    need(lenBytes);
    const len = lenBytes === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
    pos += lenBytes;
    if (len > limits.maxString) throw new Reject();
    need(len);
    const s = buf.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  const props = (depth: number): { [key: string]: Amf0Value } => {
    const out: { [key: string]: Amf0Value } = Object.create(null);
    for (;;) {
      need(2);
      // Keys longer than 255 bytes are refused: the relay's decoder mistakes a key length whose
      // high byte is 0x09 for the end marker.
      if (buf[pos] !== 0) throw new Reject();
      const key = str(2);
      if (key === '') {
        need(1);
        if (buf[pos] !== 0x09) throw new Reject();
        pos += 1;
        return out;
      }
      // The relay's decoder builds plain objects: this key would swap their prototype.
      if (key === '__proto__') throw new Reject();
      out[key] = value(depth + 1);
    }
  };
  const value = (depth: number): Amf0Value => {
    if (depth > limits.maxDepth || ++count > limits.maxValues) throw new Reject();
    need(1);
    const marker = buf[pos]!;
    pos += 1;
    switch (marker) {
      case 0x00: {
        need(8);
        const n = buf.readDoubleBE(pos);
        pos += 8;
        return n;
      }
      case 0x01:
        need(1);
        return buf[pos++] !== 0;
      case 0x02:
        return str(2);
      case 0x03:
        return props(depth);
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x08:
        need(4);
        pos += 4; // the ECMA array's count is a hint; its entries end like an object's
        return props(depth);
      case 0x0a: {
        need(4);
        const n = buf.readUInt32BE(pos);
        pos += 4;
        // Each element takes at least one byte: a count the message cannot hold is a lie.
        if (n > buf.length - pos || n > limits.maxValues) throw new Reject();
        const arr: Amf0Value[] = [];
        for (let i = 0; i < n; i++) arr.push(value(depth + 1));
        return arr;
      }
      case 0x0b: {
        need(10);
        const d = new Date(buf.readDoubleBE(pos));
        pos += 10;
        return d;
      }
      case 0x0c:
        return str(4);
      default:
        throw new Reject(); // references, typed objects, XML, AMF3 switches, reserved markers
    }
  };
  try {
    const values: Amf0Value[] = [];
    while (pos < buf.length) values.push(value(0));
    return values;
  } catch (e) {
    if (e instanceof Reject || e instanceof RangeError) return null;
    throw e;
  }
}

export function isPlainObject(v: Amf0Value): v is { [key: string]: Amf0Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
