// node-media-server hands each subscriber already-serialised messages (RTMP chunks or FLV tags).
// To filter tracks and pause per subscriber we only need to know what a message carries, so we
// read the few header bytes that say so instead of patching the relay's packet path.

export type TagKind =
  | 'stream-header' // the 'FLV' file header of an HTTP-FLV response
  | 'script' // onMetaData and other data messages
  | 'audio-config' // AAC sequence header
  | 'audio'
  | 'video-config' // AVC/HEVC sequence header
  | 'video-key'
  | 'video'
  | 'other';

function classifyPayload(type: number | undefined, payload: Buffer): TagKind {
  if (type === 18 || type === 15) return 'script';
  if (type === 8) {
    const format = (payload[0] ?? 0) >> 4;
    // AAC (10) sends its AudioSpecificConfig as packet type 0.
    return format === 10 && payload[1] === 0 ? 'audio-config' : 'audio';
  }
  if (type === 9) {
    const first = payload[0] ?? 0;
    if (first & 0x80) {
      // Enhanced RTMP: frame type in bits 4-6, packet type in the low nibble (0 = sequence start).
      if ((first & 0x0f) === 0) return 'video-config';
      return ((first >> 4) & 0x07) === 1 ? 'video-key' : 'video';
    }
    const codec = first & 0x0f;
    if ((codec === 7 || codec === 12) && payload[1] === 0) return 'video-config';
    return first >> 4 === 1 ? 'video-key' : 'video';
  }
  return 'other';
}

/** One message as produced by the relay's RTMP chunker (type-0 chunk, one-byte basic header). */
export function classifyRtmp(buf: Buffer): TagKind {
  if (buf.length < 12 || buf[0]! >> 6 !== 0 || (buf[0]! & 0x3f) < 2) return 'other';
  const extended = buf.readUIntBE(1, 3) === 0xffffff;
  const start = extended ? 16 : 12;
  return classifyPayload(buf[7], buf.subarray(start, start + 2));
}

/** One FLV tag (or the FLV file header) as produced by the relay's FLV muxer. */
export function classifyFlv(buf: Buffer): TagKind {
  if (buf.length >= 9 && buf.toString('latin1', 0, 3) === 'FLV') return 'stream-header';
  if (buf.length < 13) return 'other';
  return classifyPayload(buf[0], buf.subarray(11, 13));
}
