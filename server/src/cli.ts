// mprtc-server command line: `serve` runs signaling (and the embedded RTMP relay) on built-in
// development defaults; `token` mints an AccessToken; `verify` reads one back.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateToken, verifyToken } from './token/index.js';
import { Privileges } from './token/privileges.js';
import { startServer, type RunningServer } from './signaling/server.js';
import type { ServerConfig } from './config.js';
import { MIN_SECRET_LENGTH } from './ops/auth.js';
import { LOG_LEVELS, type LogLevel } from './ops/logger.js';
import { UncheckedUrlPlane } from './media/unchecked.js';
import { RelayMediaPlane } from './media/relay/index.js';
import { RELAY_FLAG_NAMES, RELAY_FLAG_OPTIONS, RELAY_FLAGS_HELP, relayFlagConfig } from './media/relay/cli-flags.js';
import { LIMIT_FLAG_OPTIONS, limitFlagConfig, limitFlagsHelp, normaliseLimitArgs } from './signaling/limit-flags.js';
import { ExternalRelayPlane, type Dialect } from './media/external/index.js';
import type { MediaPlane } from './media/plane.js';

/** How this command was started, for the commands it suggests: the installed bin or the source. */
const SELF = /cli\.ts$/.test(process.argv[1] ?? '') ? 'npx tsx server/src/cli.ts' : 'mprtc-server';

/** A development app built in so `serve` works with no configuration. Never use it in production. */
export const DEV_APP_ID = 'mprtc0dev0app00000000000';
export const DEV_APP_KEY = 'mprtc-dev-key-not-secret';

const HELP = `mprtc-server <command> [options]

commands:
  serve    start the signaling server (and the embedded RTMP relay)
             --port N            WebSocket port (default 8080)
             --host H            bind address (default 127.0.0.1)
             --app-id ID --app-key KEY   the app to accept (default: the built-in dev app)
             --resume-grace-ms N how long a dropped session waits for a resume (default 20000; 0 = none)
             --redis URL         share rooms and sessions with other nodes: redis://HOST:PORT/DB
                                 (default: env REDIS_URL; without either, one process in memory)
             --node-ttl-ms N     with --redis: a node silent this long is dead (default 5000)
             --log-level L       fatal|error|warn|info|debug|trace|silent (default info): JSON lines,
                                 human-readable on a terminal
             --admin-port N      open the admin port: admin API, /dashboard (0 = any free port);
                                 needs --admin-secret or env MPRTC_ADMIN_SECRET, 16+ characters
             --admin-host H      admin bind address (default 127.0.0.1)
             --admin-secret S    the admin secret (prefer the env variable: flags show in ps)
             --metrics           Prometheus /metrics on the admin port (same secret)
             --rtmp-port N       relay RTMP port (default 1935)
             --http-port N       relay HTTP-FLV port (default 8000)
             --public-host H     host written into media URLs (default: --host)
             --no-relay          no embedded relay: hand out unchecked rtmp URLs
           signaling limits (docs/server.md, "Limits"):
${limitFlagsHelp()}
           embedded relay process and guard limits (docs/media.md):
${RELAY_FLAGS_HELP}
           or an external relay (nginx-rtmp or SRS) instead of the embedded one:
             --external-relay rtmp://HOST:PORT/APP   the relay's public RTMP base, written into URLs
             --relay-dialect nginx-rtmp|srs
             --relay-control URL nginx-rtmp: its rtmp_control location; SRS: its HTTP API root
             --callback-host H --callback-port N     where the relay's callbacks arrive (port 0 = any)
             --callback-path P   (default /media-hooks)
             --callback-token T  shared secret in the callback URL (default: env MPRTC_HOOK_TOKEN,
                                 else random per run); the URL to give the relay is printed
  token    mint an AccessToken (version 001)
             --app-id --app-key --room --user   required
             --expire S          token expiry, Unix seconds (default issued-at + 86400; 0 = never)
             --publish-expire S  PublishStream expiry (default = --expire; -1 = not granted)
             --subscribe-expire S  SubscribeStream expiry (default = --expire; -1 = not granted)
             --nonce N           (default random)     --issued-at S   (default now)
  verify   check a token and print its fields as JSON
             --app-key KEY --token T
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new Error(`--${name} must be an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

function need(name: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new Error(`--${name} is required`);
  return v;
}

function token(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      'app-id': { type: 'string' },
      'app-key': { type: 'string' },
      room: { type: 'string' },
      user: { type: 'string' },
      expire: { type: 'string' },
      'publish-expire': { type: 'string' },
      'subscribe-expire': { type: 'string' },
      nonce: { type: 'string' },
      'issued-at': { type: 'string' },
    },
  });
  const issuedAt = int('issued-at', values['issued-at']) ?? Math.floor(Date.now() / 1000);
  const expireAt = int('expire', values.expire) ?? issuedAt + 86_400;
  const grant = (v: number | undefined): number | null => (v === undefined ? expireAt : v === -1 ? null : v);
  const nonce = int('nonce', values.nonce);
  const t = generateToken({
    appId: need('app-id', values['app-id']),
    appKey: need('app-key', values['app-key']),
    roomId: need('room', values.room),
    userId: need('user', values.user),
    issuedAt,
    expireAt,
    publishExpireAt: grant(int('publish-expire', values['publish-expire'])),
    subscribeExpireAt: grant(int('subscribe-expire', values['subscribe-expire'])),
    ...(nonce === undefined ? {} : { nonce }),
  });
  process.stdout.write(t + '\n');
}

function verify(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { 'app-key': { type: 'string' }, token: { type: 'string' } } });
  const r = verifyToken(need('token', values.token), { appKey: need('app-key', values['app-key']) });
  if (!r.ok) {
    process.stdout.write(JSON.stringify({ ok: false, code: r.code, reason: r.reason }) + '\n');
    process.exitCode = 1;
    return;
  }
  const { privileges, nonce, ...rest } = r.token;
  // The nonce as minted (an unsigned 32-bit number) and privileges by name, not by wire number.
  const names = new Map<number, string>(Object.entries(Privileges).map(([name, n]) => [n, name]));
  const named = Object.fromEntries([...privileges].map(([n, expireAt]) => [names.get(n) ?? `privilege ${n}`, expireAt]));
  process.stdout.write(JSON.stringify({ ok: true, ...rest, nonce: nonce >>> 0, privileges: named }) + '\n');
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: normaliseLimitArgs(argv),
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'app-id': { type: 'string' },
      'app-key': { type: 'string' },
      'rtmp-port': { type: 'string' },
      'http-port': { type: 'string' },
      'public-host': { type: 'string' },
      'no-relay': { type: 'boolean' },
      'resume-grace-ms': { type: 'string' },
      'log-level': { type: 'string' },
      'admin-port': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-secret': { type: 'string' },
      metrics: { type: 'boolean' },
      redis: { type: 'string' },
      'node-ttl-ms': { type: 'string' },
      'external-relay': { type: 'string' },
      'relay-dialect': { type: 'string' },
      'relay-control': { type: 'string' },
      'callback-host': { type: 'string' },
      'callback-port': { type: 'string' },
      'callback-path': { type: 'string' },
      'callback-token': { type: 'string' },
      ...RELAY_FLAG_OPTIONS,
      ...LIMIT_FLAG_OPTIONS,
    },
  });
  servingFlags = values;
  const limits = limitFlagConfig(values);
  const host = values.host ?? '127.0.0.1';
  const appId = values['app-id'] ?? DEV_APP_ID;
  const appKey = values['app-key'] ?? DEV_APP_KEY;
  const resumeGraceMs = int('resume-grace-ms', values['resume-grace-ms']);
  if (resumeGraceMs !== undefined && resumeGraceMs < 0) throw new Error('--resume-grace-ms must be 0 or more');
  let media: MediaPlane;
  let relay: RelayMediaPlane | null = null;
  const external = externalRelay(values);
  if (external) {
    media = external;
  } else if (values['no-relay']) {
    media = new UncheckedUrlPlane(`rtmp://${values['public-host'] ?? host}:${int('rtmp-port', values['rtmp-port']) ?? 1935}`);
  } else {
    relay = new RelayMediaPlane({
      secret: randomBytes(24).toString('base64url'),
      host,
      ...(values['public-host'] ? { publicHost: values['public-host'] } : {}),
      rtmpPort: int('rtmp-port', values['rtmp-port']) ?? 1935,
      httpPort: int('http-port', values['http-port']) ?? 8000,
      ...relayFlagConfig(values),
    });
    media = relay;
  }
  const server = await startServer({
    port: int('port', values.port) ?? 8080,
    host,
    apps: { [appId]: appKey },
    media,
    ...(resumeGraceMs === undefined ? {} : { resumeGraceMs }),
    ...limits,
    ...opsOptions(values),
    ...redisOption(values.redis, values['node-ttl-ms'], relay !== null),
  });
  // Before anything is printed: whoever reads the address may stop us at once (a clean stop).
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const lines = [`mprtc-server listening on ${server.url}`, `app id:  ${appId}`, `app key: ${appKey}`];
  if (appId === DEV_APP_ID) lines.push('(the built-in development app: pass --app-id/--app-key for anything real)');
  if (external) {
    lines.push(`external relay (${values['relay-dialect']}) at ${values['external-relay']}`);
    // The relay's on_publish / on_play / ..._done (nginx-rtmp) or http_hooks (SRS) must name this URL.
    lines.push(`relay callback URL: ${external.hookUrl}`);
  } else if (relay) lines.push(`rtmp relay on port ${relay.ports.rtmp}` + (relay.ports.http ? `, http-flv on port ${relay.ports.http}` : ''));
  else lines.push('no relay: media URLs are not checked by anything');
  if (server.nodeId) lines.push(`cluster node ${server.nodeId} on redis ${redactRedis(values.redis ?? process.env.REDIS_URL ?? '')}`);
  lines.push(`mint a token: ${SELF} token --app-id ${appId} --app-key ${appKey} --room ROOM --user USER`);
  if (server.admin) lines.push(`admin API and dashboard on ${server.admin.url}` + (values.metrics ? ` (metrics at ${server.admin.url}metrics)` : ''));
  process.stdout.write(lines.join('\n') + '\n');
  logMediaPorts(server, host, relay, external);
}

/** The Redis URL without its password, for printing. */
function redactRedis(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable)';
  }
}

/** --redis URL (or REDIS_URL) and --node-ttl-ms, as the library's `redis` option. */
function redisOption(
  url: string | undefined,
  ttl: string | undefined,
  embeddedRelay: boolean,
): { redis?: { url: string; nodeTtlMs?: number; mediaInProcess: boolean } } {
  const u = url ?? process.env.REDIS_URL;
  if (u === undefined || u === '') {
    if (ttl !== undefined) throw new Error('--node-ttl-ms needs --redis (or REDIS_URL)');
    return {};
  }
  const nodeTtlMs = int('node-ttl-ms', ttl);
  // The embedded relay's streams end with this process: the cluster fails them when it goes.
  return { redis: { url: u, ...(nodeTtlMs === undefined ? {} : { nodeTtlMs }), mediaInProcess: embeddedRelay } };
}

/** --log-level and the admin port flags, as the library's `logLevel` / `admin` options. */
function opsOptions(values: Record<string, string | boolean | undefined>): Pick<ServerConfig, 'logLevel' | 'admin'> {
  const level = (values['log-level'] as string | undefined) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const port = int('admin-port', values['admin-port'] as string | undefined);
  const secret = (values['admin-secret'] as string | undefined) ?? process.env.MPRTC_ADMIN_SECRET;
  if (port === undefined) {
    const stray = (['admin-host', 'admin-secret', 'metrics'] as const).find((k) => values[k] !== undefined);
    if (stray) throw new Error(`--${stray} needs --admin-port`);
    return { logLevel: level as LogLevel };
  }
  if (port < 0 || port > 65_535) throw new Error('--admin-port must be 0 to 65535');
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`--admin-port needs an admin secret of at least ${MIN_SECRET_LENGTH} characters (--admin-secret or env MPRTC_ADMIN_SECRET)`);
  }
  const host = values['admin-host'] as string | undefined;
  return { logLevel: level as LogLevel, admin: { port, secret, metrics: values.metrics === true, ...(host === undefined ? {} : { host }) } };
}

/** The relay's ports (or the callback listener's address, never its secret path) as start-up log lines. */
function logMediaPorts(server: RunningServer, host: string, relay: RelayMediaPlane | null, external: ExternalRelayPlane | null): void {
  const shown = host.includes(':') ? `[${host}]` : host;
  if (relay) {
    server.events.emit({ type: 'listening', what: 'relay rtmp', url: `rtmp://${shown}:${relay.ports.rtmp}` });
    if (relay.ports.http) server.events.emit({ type: 'listening', what: 'relay http-flv', url: `http://${shown}:${relay.ports.http}` });
  }
  if (external) server.events.emit({ type: 'listening', what: 'relay callbacks', url: new URL(external.hookUrl).origin });
}

const EXTERNAL_ONLY = ['relay-dialect', 'relay-control', 'callback-host', 'callback-port', 'callback-path', 'callback-token'] as const;
const EMBEDDED_ONLY = ['rtmp-port', 'http-port', 'public-host', 'no-relay', ...RELAY_FLAG_NAMES];

/** The external relay plane `serve --external-relay ...` asks for, or null for the embedded one. */
function externalRelay(values: Record<string, string | boolean | undefined>): ExternalRelayPlane | null {
  const base = values['external-relay'] as string | undefined;
  if (base === undefined) {
    const stray = EXTERNAL_ONLY.find((k) => values[k] !== undefined);
    if (stray) throw new Error(`--${stray} needs --external-relay`);
    return null;
  }
  const clash = EMBEDDED_ONLY.find((k) => values[k] !== undefined);
  if (clash) throw new Error(`--${clash} is for the embedded relay; with --external-relay the URLs come from the relay's address`);
  const str = (k: string): string => need(k, values[k] as string | undefined);
  const dialect = str('relay-dialect');
  if (dialect !== 'nginx-rtmp' && dialect !== 'srs') throw new Error(`--relay-dialect must be nginx-rtmp or srs, got ${JSON.stringify(dialect)}`);
  const port = int('callback-port', str('callback-port'))!;
  if (port < 0 || port > 65_535) throw new Error('--callback-port must be 0 to 65535');
  const token = (values['callback-token'] as string | undefined) ?? process.env.MPRTC_HOOK_TOKEN;
  const path = values['callback-path'] as string | undefined;
  try {
    return new ExternalRelayPlane({
      // URLs are signed per run, as with the embedded relay: a restart invalidates the old ones.
      secret: randomBytes(24).toString('base64url'),
      dialect: dialect as Dialect,
      rtmpBase: base,
      controlUrl: str('relay-control'),
      hookHost: str('callback-host'),
      hookPort: port,
      ...(path === undefined ? {} : { hookPath: path }),
      ...(token === undefined || token === '' ? {} : { hookToken: token }),
    });
  } catch (e) {
    throw new Error(`external relay: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** parseArgs takes "-5" for an option, not a value: glue negative numbers to their option. */
function glueNegatives(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** The lines of HELP about one command (from its line to the next command's), or null. */
function helpFor(command: string): string | null {
  const lines = HELP.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  ${command} `));
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && /^ {2}[a-z]/.test(l));
  return `mprtc-server ${command} [options]\n\n${lines.slice(start, end < 0 ? undefined : end).join('\n')}\n`;
}

/** One line for a failure; parseArgs' own messages go on about positionals, keep their first sentence. */
function oneLine(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { port?: number };
  const text = e instanceof Error ? e.message : String(e);
  // The relay wraps its listen error in its own message: recognise it by the text too.
  if (err?.code === 'EADDRINUSE' || /EADDRINUSE/.test(text)) return addressInUse(err?.port, text);
  if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `${text.split('. ')[0]!.replace(/'/g, '')}`;
  return text.split('\n')[0]!;
}

/** Which flag sets each port `serve` opens (for "address in use"). */
const PORT_FLAGS: [flag: string, fallback: number | null][] = [
  ['port', 8080],
  ['rtmp-port', 1935],
  ['http-port', 8000],
  ['admin-port', null],
  ['callback-port', null],
];
let servingFlags: Record<string, string | boolean | undefined> = {};

function addressInUse(known: number | undefined, text: string): string {
  const port = known ?? Number([...text.matchAll(/:(\d+)\b/g)].pop()?.[1]);
  const flag = PORT_FLAGS.find(([f, fallback]) => {
    const given = servingFlags[f];
    return typeof given === 'string' ? Number(given) === port : fallback === port;
  })?.[0];
  return (
    `port ${Number.isFinite(port) ? port : '?'} is already in use` +
    (flag ? ` (--${flag}): stop what holds it, or pass --${flag} with another port (0 = any free port)` : '')
  );
}

let current: string | undefined;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = glueNegatives(argv);
  current = command;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    const help = helpFor(command);
    if (help) return void process.stdout.write(help);
  }
  if (command === 'help' && rest[0] !== undefined && helpFor(rest[0])) return void process.stdout.write(helpFor(rest[0])!);
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'token':
      return token(rest);
    case 'verify':
      return verify(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // One line and a hint, not the whole usage.
  const hint = current && helpFor(current) ? `mprtc-server ${current} --help` : 'mprtc-server --help';
  process.stderr.write(`mprtc-server: ${oneLine(e)}\n(${hint} lists the options)\n`);
  process.exit(2);
});
