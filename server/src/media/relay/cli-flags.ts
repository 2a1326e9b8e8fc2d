// `serve` flags for the embedded relay's process and guard limits: one table, so the option
// list, the help text and the RelayConfig they build cannot drift apart.

import type { RelayConfig } from './config.js';
import { DEFAULT_GUARD_LIMITS, type GuardLimits } from './guard/limits.js';

type Plane = 'relayHeapMb' | 'restartDelayMs' | 'restartDelayMaxMs' | 'heartbeatTimeoutMs';
type Target = keyof GuardLimits | Plane;
const PLANE: readonly string[] = ['relayHeapMb', 'restartDelayMs', 'restartDelayMaxMs', 'heartbeatTimeoutMs'];

const FLAGS: Array<[flag: string, target: Target, help: string]> = [
  ['relay-heap-mb', 'relayHeapMb', 'heap limit of the relay process, MiB (default 256)'],
  ['relay-restart-delay-ms', 'restartDelayMs', 'first restart delay after the relay died (default 250, doubles)'],
  ['relay-restart-delay-max-ms', 'restartDelayMaxMs', 'longest restart delay (default 10000)'],
  ['relay-heartbeat-timeout-ms', 'heartbeatTimeoutMs', 'a relay process silent this long is killed (default 10000)'],
  ['relay-handshake-timeout-ms', 'handshakeTimeoutMs', 'RTMP handshake / HTTP request head'],
  ['relay-first-command-timeout-ms', 'firstCommandTimeoutMs', 'handshake to RTMP connect'],
  ['relay-start-timeout-ms', 'startTimeoutMs', 'handshake to an accepted publish / play'],
  ['relay-idle-timeout-ms', 'idleTimeoutMs', 'no traffic either way'],
  ['relay-max-connections', 'maxConnections', 'open RTMP + HTTP-FLV connections in total'],
  ['relay-max-connections-per-address', 'maxConnectionsPerAddress', 'open connections from one address'],
  ['relay-max-message-bytes', 'maxMessageBytes', 'largest audio/video message a chunk header may declare'],
  ['relay-max-command-bytes', 'maxCommandBytes', 'largest RTMP command / data message'],
  ['relay-max-chunk-streams', 'maxChunkStreams', 'chunk-stream ids per RTMP connection'],
  ['relay-max-declared-bytes', 'maxDeclaredBytes', "sum of declared message sizes over a connection's chunk streams"],
  ['relay-max-gop-bytes', 'maxGopBytes', 'audio + video bytes a publisher may send between keyframes'],
  ['relay-max-pending-bytes', 'maxPendingBytes', 'bytes held while a publish / play is authorised'],
  ['relay-max-backlog-bytes', 'maxOutboundBacklogBytes', 'bytes queued to a client that does not read'],
  ['relay-max-player-inbound-bytes', 'maxPlayerInboundBytes', 'bytes a WS-FLV player may send'],
];

export const RELAY_FLAG_NAMES = FLAGS.map(([flag]) => flag);

/** parseArgs options for the flags. */
export const RELAY_FLAG_OPTIONS: Record<string, { type: 'string' }> = Object.fromEntries(FLAGS.map(([flag]) => [flag, { type: 'string' as const }]));

/** Lines for `serve`'s help text. */
export const RELAY_FLAGS_HELP = FLAGS.map(([flag, target, help]) => {
  const def = target in DEFAULT_GUARD_LIMITS ? ` (default ${DEFAULT_GUARD_LIMITS[target as keyof GuardLimits]})` : '';
  return `             --${flag} N`.padEnd(48) + help + def;
}).join('\n');

/** The RelayConfig fields the given flags ask for. */
export function relayFlagConfig(values: Record<string, unknown>): Pick<RelayConfig, 'guard' | Plane> {
  const guard: Partial<GuardLimits> = {};
  const out: Pick<RelayConfig, 'guard' | Plane> = { guard };
  for (const [flag, target] of FLAGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new Error(`--${flag} must be a whole number, got ${JSON.stringify(raw)}`);
    const n = Number(raw);
    if (PLANE.includes(target)) out[target as Plane] = n;
    else guard[target as keyof GuardLimits] = n;
  }
  return out;
}
