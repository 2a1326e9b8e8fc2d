import { spawn, execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RawClient } from '../support/client.js';
import { killGroup, spawnTs } from '../../../test/support/spawn.js';

// The CLI as a user runs it: `npx tsx server/src/cli.ts ...`, in a child process.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = ['tsx', 'server/src/cli.ts'];
const tsxBin = `${root}node_modules/.bin/tsx`; // a wrapper that runs node as its child: only for commands that exit
/** The documented command, `npx tsx server/src/cli.ts`. */
const npx = (args: string[]) => run('npx', [...cli, ...args], { cwd: root });
/** The same through tsx directly: cheaper for the many-row loop. */
const tsx = (args: string[]) => run(tsxBin, ['server/src/cli.ts', ...args], { cwd: root });

const vectors = readFileSync(fileURLToPath(new URL('../fixtures/token-vectors.tsv', import.meta.url)), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'));

describe('cli token / verify', () => {
  it('mints every reference vector byte for byte', async () => {
    for (const [appId, appKey, room, user, nonce, issuedAt, expire, pub, sub, expected] of vectors) {
      const { stdout } = await tsx([
        'token',
        '--app-id',
        appId!,
        '--app-key',
        appKey!,
        '--room',
        room!,
        '--user',
        user!,
        '--nonce',
        nonce!,
        '--issued-at',
        issuedAt!,
        '--expire',
        expire!,
        '--publish-expire',
        pub!,
        '--subscribe-expire',
        sub!,
      ]);
      expect(stdout.trim()).toBe(expected);
    }
  });

  it('verify prints the fields of a good token and refuses a tampered one with exit code 1', async () => {
    const [, appKey, , , , , , , , tok] = vectors[1]!;
    const { stdout } = await npx(['verify', '--app-key', appKey!, '--token', tok!]);
    // The nonce as minted (0xdeadbeef, not its signed reading) and privileges by name.
    expect(JSON.parse(stdout)).toMatchObject({
      ok: true,
      userId: 'alice',
      nonce: 0xdeadbeef,
      privileges: { PublishStream: 2145916800, SubscribeStream: 2145916800 },
    });
    const bad = tok!.slice(0, 40) + (tok![40] === 'A' ? 'B' : 'A') + tok!.slice(41);
    const err = await npx(['verify', '--app-key', appKey!, '--token', bad]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(JSON.parse(err.stdout)).toMatchObject({ ok: false, code: CODES.TOKEN_INVALID });
  });

  it('exits 2 with one line and a hint (not the whole usage) on missing or bad options and unknown commands', async () => {
    const cases: [string[], RegExp, string][] = [
      [['token', '--app-id', 'x'], /^mprtc-server: --app-key is required$/, 'token'],
      [
        ['token', '--app-id', 'a'.repeat(24), '--app-key', 'k', '--room', 'r', '--user', 'u', '--nonce', 'abc'],
        /^mprtc-server: --nonce must be an integer/,
        'token',
      ],
      [['serve', '--bogus'], /^mprtc-server: Unknown option --bogus$/, 'serve'],
      [['fly'], /^mprtc-server: unknown command "fly"$/, ''],
    ];
    for (const [args, first, command] of cases) {
      const err = await tsx(args).catch((e) => e);
      expect(err.code).toBe(2);
      const lines = String(err.stderr).trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(first);
      expect(lines[1]).toBe(`(mprtc-server ${command ? `${command} ` : ''}--help lists the options)`);
    }
  });

  it("--help after a command prints that command's options and exits 0", async () => {
    const { stdout } = await tsx(['serve', '--help']);
    expect(stdout).toMatch(/^mprtc-server serve \[options\]/);
    expect(stdout).toContain('--rtmp-port');
    expect(stdout).not.toContain('--subscribe-expire');
    expect((await tsx(['verify', '-h'])).stdout).toContain('--app-key KEY --token T');
  });
});

describe('cli serve', () => {
  let child: ReturnType<typeof spawn> | null = null;
  let held: Server | null = null;
  afterEach(async () => {
    await killGroup(child); // a failed test takes the relay's process down with it
    child = null;
    await new Promise((r) => (held ? held.close(r) : r(undefined)));
    held = null;
  });

  /** `node --import tsx`: the PID is the server itself, so signals and exit codes are its own. */
  const serve = (args: string[]) => spawnTs('server/src/cli.ts', ['serve', ...args], { cwd: root });

  it('names the port and its flag when the address is in use', async () => {
    held = createServer();
    const port = await new Promise<number>((r) => held!.listen(0, '127.0.0.1', () => r((held!.address() as { port: number }).port)));
    for (const [args, flag] of [
      [['--port', String(port), '--no-relay'], '--port'],
      [['--port', '0', '--http-port', '0', '--rtmp-port', String(port)], '--rtmp-port'],
    ] as const) {
      const proc = (child = serve([...args]));
      let err = '';
      proc.stderr!.on('data', (d) => (err += String(d)));
      const code = await new Promise((r) => proc.once('exit', r));
      expect(code).toBe(2);
      expect(err.split('\n')[0]).toBe(
        `mprtc-server: port ${port} is already in use (${flag}): stop what holds it, or pass ${flag} with another port (0 = any free port)`,
      );
    }
  });

  it('starts on the built-in dev app with the embedded relay, serves a join and publish, and stops on SIGTERM', async () => {
    const proc = serve(['--port', '0', '--rtmp-port', '0', '--http-port', '0']);
    child = proc;
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (d) => {
        out += String(d);
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (m && out.includes('mint a token')) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const appId = /app id:\s+(\S+)/.exec(out)![1]!;
    const appKey = /app key:\s+(\S+)/.exec(out)![1]!;
    const { stdout: token } = await npx(['token', '--app-id', appId, '--app-key', appKey, '--room', 'demo', '--user', 'alice']);
    const c = await RawClient.connect(url);
    expect(await c.request('join', { appId, token: token.trim(), roomId: 'demo', userId: 'alice', visible: true })).toMatchObject({ ok: true });
    const p = await c.request('publish', { screen: false });
    expect(p.data.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\//);
    c.close();
    const exit = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = null;
  });
});
