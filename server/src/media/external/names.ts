// An external relay serves fixed applications (nginx-rtmp only knows the `application` blocks in
// its config), so the whole key goes into the stream name under one configured app:
//   <enc(appId)>_s<enc(roomId)>_s<enc(userId)>_s<main|screen>
// The escaping is the embedded relay's (../names.ts); an escaped id never holds `_s`, so the
// name stays injective and the MAC over app + stream still binds the stream to exactly one key.

import { encodeId, relayPath, type RelayPath } from '../names.js';
import type { StreamKey } from '../plane.js';

export const RELAY_NAME = /^[A-Za-z0-9_-]+$/;

export function externalPath(app: string, key: StreamKey): RelayPath {
  return { app, stream: `${encodeId(key.appId)}_s${relayPath(key).stream}` };
}
