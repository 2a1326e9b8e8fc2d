// The relay app and stream names of a stream key. The escaping (encodeId) and the layout
// (relayPath) are part of the wire protocol, so they live in @mprtc/protocol (stream-key.ts, which
// documents the grammar); this module keeps the server's own helper on top.
export { decodeId, encodeId, parseRelayPath, relayPath, type RelayPath } from '@mprtc/protocol';
import type { RelayPath } from '@mprtc/protocol';

/** One string per stream, used as a map key inside the plane. */
export function pathId(path: RelayPath): string {
  return `/${path.app}/${path.stream}`;
}
