#!/usr/bin/env -S npx tsx
// mprtc-server command line: `serve` runs signaling (and the embedded RTMP relay) on built-in
// development defaults; `token` mints an AccessToken; `verify` reads one back.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateToken, verifyToken } from './token/index.js';
import { startServer } from './signaling/server.js';
import { UncheckedUrlPlane } from './signaling/media-less.js';
import { RelayMediaPlane } from './media/relay/index.js';
import type { MediaPlane } from './media/plane.js';

/** A development app built in so `serve` works with no configuration. Never use it in production. */
export const DEV_APP_ID = 'mprtc0dev0app00000000000';
export const DEV_APP_KEY = 'mprtc-dev-key-not-secret';

const HELP = `mprtc-server <command> [options]

commands:
  serve    start the signaling server (and the embedded RTMP relay)
             --port N            WebSocket port (default 8080)
             --host H            bind address (default 127.0.0.1)
             --app-id ID --app-key KEY   the app to accept (default: the built-in dev app)
             --rtmp-port N       relay RTMP port (default 1935)
             --http-port N       relay HTTP-FLV port (default 8000)
             --public-host H     host written into media URLs (default: --host)
             --no-relay          no embedded relay: hand out unchecked rtmp URLs
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
  const { privileges, ...rest } = r.token;
  process.stdout.write(JSON.stringify({ ok: true, ...rest, privileges: Object.fromEntries(privileges) }) + '\n');
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'app-id': { type: 'string' },
      'app-key': { type: 'string' },
      'rtmp-port': { type: 'string' },
      'http-port': { type: 'string' },
      'public-host': { type: 'string' },
      'no-relay': { type: 'boolean' },
    },
  });
  const host = values.host ?? '127.0.0.1';
  const appId = values['app-id'] ?? DEV_APP_ID;
  const appKey = values['app-key'] ?? DEV_APP_KEY;
  let media: MediaPlane;
  let relay: RelayMediaPlane | null = null;
  if (values['no-relay']) {
    media = new UncheckedUrlPlane(`rtmp://${values['public-host'] ?? host}:${int('rtmp-port', values['rtmp-port']) ?? 1935}`);
  } else {
    relay = new RelayMediaPlane({
      secret: randomBytes(24).toString('base64url'),
      host,
      ...(values['public-host'] ? { publicHost: values['public-host'] } : {}),
      rtmpPort: int('rtmp-port', values['rtmp-port']) ?? 1935,
      httpPort: int('http-port', values['http-port']) ?? 8000,
    });
    media = relay;
  }
  const server = await startServer({ port: int('port', values.port) ?? 8080, host, apps: { [appId]: appKey }, media });
  const lines = [`mprtc-server listening on ${server.url}`, `app id:  ${appId}`, `app key: ${appKey}`];
  if (appId === DEV_APP_ID) lines.push('(the built-in development app: pass --app-id/--app-key for anything real)');
  if (relay) lines.push(`rtmp relay on port ${relay.ports.rtmp}` + (relay.ports.http ? `, http-flv on port ${relay.ports.http}` : ''));
  else lines.push('no relay: media URLs are not checked by anything');
  lines.push(`mint a token: npx tsx server/src/cli.ts token --app-id ${appId} --app-key ${appKey} --room ROOM --user USER`);
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = glueNegatives(argv);
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
  process.stderr.write(`mprtc-server: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
  process.exit(2);
});
