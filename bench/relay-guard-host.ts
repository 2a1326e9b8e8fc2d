// The relay half of bench/relay-guard.ts, in a process of its own as in `serve`: node-media-server
// on loopback plus the guard's RTMP front in front of it, with every publish and play admitted
// (authorisation is a one-off per session and not what this bench measures). Prints
// {"guarded": port, "direct": port} and runs until its parent goes away.

import { startNms, type Admitted } from '../server/src/media/relay/child/nms-host.js';
import { createRtmpFront } from '../server/src/media/relay/guard/rtmp-front.js';
import { ConnectionCounter, DEFAULT_GUARD_LIMITS } from '../server/src/media/relay/guard/limits.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const storeDir = mkdtempSync(join(tmpdir(), 'mprtc-bench-guard-'));
process.on('exit', () => rmSync(storeDir, { recursive: true, force: true }));
process.on('disconnect', () => process.exit(0));

const sessions = new Map<number, Admitted>();
const nms = await startNms({
  logLevel: 'silent',
  storeDir,
  lookup: (port, purpose) => {
    if (port === undefined) return null;
    let a = sessions.get(port);
    if (!a) {
      a = { purpose, tracks: 'av', paused: false, gate: null, session: null };
      sessions.set(port, a);
    }
    return a;
  },
  known: () => true,
  pushStarted: () => {},
  threw: (err) => process.stderr.write(`library threw: ${String(err)}\n`),
});
const limits = DEFAULT_GUARD_LIMITS;
const front = createRtmpFront({
  limits,
  counter: new ConnectionCounter(limits),
  host: { admit: () => Promise.resolve(true), upstream: () => {}, closed: () => {}, refused: (r) => process.stderr.write(`guard refused: ${r}\n`) },
  upstreamPort: nms.rtmpPort,
});
front.listen(0, '127.0.0.1', () => {
  const address = front.address();
  process.send!({ guarded: typeof address === 'object' && address ? address.port : 0, direct: nms.rtmpPort });
});
