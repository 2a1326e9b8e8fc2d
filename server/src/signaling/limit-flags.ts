// `serve` flags for the signaling limits: one table, so the option list, the help text (with the
// defaults resolveConfig really applies) and the ServerConfig they build cannot drift apart.
import { resolveConfig, type ResolvedConfig, type ServerConfig } from '../config.js';

type IntField =
  | 'maxFrameBytes'
  | 'maxPayloadBytes'
  | 'maxFrameDepth'
  | 'sendBufferBytes'
  | 'maxPendingRequests'
  | 'maxSocketsPerAddress'
  | 'maxSockets'
  | 'upgradeTimeoutMs'
  | 'reportsPerUser'
  | 'reportBytesPerUser'
  | 'reportBytesTotal'
  | 'reportRetentionMs';
type PairField = 'messageRate' | 'byteRate' | 'joinRateLimit' | 'tokenRefusalLimit';

const INTS: Array<[flag: string, field: IntField, help: string]> = [
  ['max-frame-bytes', 'maxFrameBytes', 'larger frames: PROTOCOL_ERROR, unparsed'],
  ['max-payload-bytes', 'maxPayloadBytes', 'larger frames: close 1009 (default max-frame-bytes + 16 KiB)'],
  ['max-frame-depth', 'maxFrameDepth', 'deeper nesting: PROTOCOL_ERROR, unparsed'],
  ['send-buffer-bytes', 'sendBufferBytes', 'unsent bytes to a client that does not read: close 4005'],
  ['max-pending-requests', 'maxPendingRequests', 'requests waiting per socket: RATE_LIMITED'],
  ['max-sockets-per-address', 'maxSocketsPerAddress', 'open sockets per client address: HTTP 429'],
  ['max-sockets', 'maxSockets', 'open sockets in total: HTTP 503'],
  ['upgrade-timeout-ms', 'upgradeTimeoutMs', 'the WebSocket upgrade request must arrive within: HTTP 408'],
  ['reports-per-user', 'reportsPerUser', 'report items kept per user'],
  ['report-bytes-per-user', 'reportBytesPerUser', 'report bytes kept per user'],
  ['report-bytes-total', 'reportBytesTotal', 'report bytes kept in total'],
  ['report-retention-ms', 'reportRetentionMs', 'reports kept after the session ends'],
];

const PAIRS: Array<[flag: string, field: PairField, shape: string, help: string]> = [
  ['message-rate', 'messageRate', 'PER_S[/BURST]', 'frames per socket: RATE_LIMITED, then close 4006'],
  ['byte-rate', 'byteRate', 'PER_S[/BURST]', 'bytes per socket: reading pauses until paid back'],
  ['join-rate', 'joinRateLimit', 'MAX[/WINDOW_MS]', 'joins + resumes per client address: RATE_LIMITED'],
  ['token-refusals', 'tokenRefusalLimit', 'MAX[/WINDOW_MS]', 'refused tokens per user id: RATE_LIMITED'],
];

export const LIMIT_FLAG_NAMES = ['trust-proxy', ...INTS.map(([f]) => f), ...PAIRS.map(([f]) => f)];

/** parseArgs options for the flags. */
export const LIMIT_FLAG_OPTIONS: Record<string, { type: 'string' }> = Object.fromEntries(LIMIT_FLAG_NAMES.map((f) => [f, { type: 'string' as const }]));

function shown(d: ResolvedConfig, field: IntField | PairField): string {
  const v = d[field];
  if (typeof v === 'number') return String(v);
  return 'perSecond' in v ? `${v.perSecond}/${v.burst}` : `${v.max}/${v.windowMs}`;
}

/** Lines for `serve`'s help text. */
export function limitFlagsHelp(): string {
  const d = resolveConfig({ apps: {} });
  const line = (left: string, help: string): string => `             ${left}`.padEnd(48) + help;
  return [
    line('--trust-proxy [N|IP,IP]', "client address from X-Forwarded-For: N proxy hops (bare: 1) or the proxies' addresses (default: off)"),
    ...INTS.map(([flag, field, help]) => line(`--${flag} N`, `${help}${help.includes('default') ? '' : ` (default ${shown(d, field)})`}`)),
    ...PAIRS.map(([flag, field, shape, help]) => line(`--${flag} ${shape}`, `${help} (default ${shown(d, field)})`)),
  ].join('\n');
}

/** A bare `--trust-proxy` (no value) means one hop; parseArgs needs the value written out. */
export function normaliseLimitArgs(argv: string[]): string[] {
  return argv.map((a, i) => (a === '--trust-proxy' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) ? '--trust-proxy=1' : a));
}

function int(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** The ServerConfig fields the given flags ask for (resolveConfig checks the values' ranges). */
export function limitFlagConfig(values: Record<string, unknown>): Partial<ServerConfig> {
  const out: Record<string, unknown> = {};
  const d = resolveConfig({ apps: {} });
  for (const [flag, field] of INTS) {
    const v = values[flag];
    if (typeof v === 'string') out[field] = int(flag, v);
  }
  for (const [flag, field, shape] of PAIRS) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(v);
    if (!m) throw new Error(`--${flag} must be ${shape}, got ${JSON.stringify(v)}`);
    const first = Number(m[1]);
    if (field === 'messageRate' || field === 'byteRate') out[field] = { perSecond: first, burst: m[2] === undefined ? d[field].burst : Number(m[2]) };
    else out[field] = { max: first, windowMs: m[2] === undefined ? d[field].windowMs : Number(m[2]) };
  }
  const trust = values['trust-proxy'];
  if (typeof trust === 'string') out.trustProxy = /^\d+$/.test(trust) ? Number(trust) : trust.split(',').map((a) => a.trim());
  try {
    // Checked here so a bad flag stops `serve` with its message before anything listens.
    resolveConfig({ apps: {}, ...out });
  } catch (e) {
    throw new Error(`limits: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return out as Partial<ServerConfig>;
}
