import { spawn, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { RawClient } from '../support/client.js';

// The CLI as a user runs it: `npx tsx server/src/cli.ts ...`, in a child process.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = ['tsx', 'server/src/cli.ts'];
const tsxBin = `${root}node_modules/.bin/tsx`;
/** The documented command, `npx tsx server/src/cli.ts`. */
const npx = (args: string[]) => run('npx', [...cli, ...args], { cwd: root });
/** The same through tsx directly: cheaper for the many-row loop. */
const tsx = (args: string[]) => run(tsxBin, ['server/src/cli.ts', ...args], { cwd: root });

const vectors = readFileSync(fileURLToPath(new URL('../fixtures/token-vectors.tsv', import.meta.url)), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

describe('cli token / verify', () => {
  it('mints every reference vector byte for byte', async () => {
    for (const [appId, appKey, room, user, nonce, issuedAt, expire, pub, sub, expected] of vectors) {
      const { stdout } = await tsx(['token', '--app-id', appId!, '--app-key', appKey!, '--room', room!, '--user', user!, '--nonce', nonce!, '--issued-at', issuedAt!, '--expire', expire!, '--publish-expire', pub!, '--subscribe-expire', sub!]);
      expect(stdout.trim()).toBe(expected);
    }
  });

  it('verify prints the fields of a good token and refuses a tampered one with exit code 1', async () => {
    const [, appKey, , , , , , , , tok] = vectors[1]!;
    const { stdout } = await npx(['verify', '--app-key', appKey!, '--token', tok!]);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, userId: 'alice', nonce: -559038737, privileges: { '0': 2145916800, '4': 2145916800 } });
    const bad = tok!.slice(0, 40) + (tok![40] === 'A' ? 'B' : 'A') + tok!.slice(41);
    const err = await npx(['verify', '--app-key', appKey!, '--token', bad]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(JSON.parse(err.stdout)).toMatchObject({ ok: false, code: CODES.TOKEN_INVALID });
  });

  it('exits 2 with a message on missing or bad options and unknown commands', async () => {
    for (const args of [['token', '--app-id', 'x'], ['token', '--app-id', 'a'.repeat(24), '--app-key', 'k', '--room', 'r', '--user', 'u', '--nonce', 'abc'], ['fly']]) {
      const err = await tsx(args).catch((e) => e);
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(/^mprtc-server: /);
    }
  });
});

describe('cli serve', () => {
  let child: ReturnType<typeof spawn> | null = null;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = null;
  });

  it('starts on the built-in dev app with the embedded relay, serves a join and publish, and stops on SIGTERM', async () => {
    // tsx itself (not the npx wrapper) so the signal reaches our process and its exit code comes back.
    const proc = spawn(tsxBin, ['server/src/cli.ts', 'serve', '--port', '0', '--rtmp-port', '0', '--http-port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
