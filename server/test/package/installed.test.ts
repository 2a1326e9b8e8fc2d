// The server as a package, outside this checkout: `npm pack` the server and the protocol package,
// install both tarballs into an empty temporary folder (their other dependencies come from the
// registry or npm's cache), start the installed `mprtc-server` bin with plain node, and join.
// Full lane only (it installs packages and spawns the server and its relay).
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/client.js';
import { killGroup, spawnGroup } from '../../../test/support/spawn.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mprtc-installed-'));
let child: ChildProcess | null = null;

afterAll(async () => {
  await killGroup(child); // its process group: the relay's process goes with it
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed server, installed elsewhere', () => {
  it('starts from its bin with plain node, serves a join, and stops on SIGTERM with exit 0', { timeout: 240_000 }, async () => {
    await run('npm', ['pack', '--workspace', 'protocol', '--workspace', 'server', '--pack-destination', dir], { cwd: root });
    const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['mprtc-protocol-0.1.0.tgz', 'mprtc-server-0.1.0.tgz']);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'installed-mprtc-server', private: true }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((t) => `./${t}`)], { cwd: dir });

    // Nothing of the checkout on the way: the bin runs from the temporary folder's node_modules.
    const bin = join(dir, 'node_modules/.bin/mprtc-server');
    const proc = (child = spawnGroup(bin, ['serve', '--port', '0', '--rtmp-port', '0', '--http-port', '0'], { cwd: dir }));
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => (err += String(d)));
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (d) => {
        out += String(d);
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (m && out.includes('mint a token')) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
    });
    expect(out).toContain('mint a token: mprtc-server token');
    const appId = /app id:\s+(\S+)/.exec(out)![1]!;
    const appKey = /app key:\s+(\S+)/.exec(out)![1]!;
    const { stdout: token } = await run(bin, ['token', '--app-id', appId, '--app-key', appKey, '--room', 'packed', '--user', 'alice'], { cwd: dir });

    const c = await RawClient.connect(url);
    expect(await c.request('join', { appId, token: token.trim(), roomId: 'packed', userId: 'alice', visible: true })).toMatchObject({ ok: true });
    expect((await c.request('publish', { screen: false })).data.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\//);
    c.close();

    const exit = new Promise<number | null>((r) => proc.once('exit', r));
    proc.kill('SIGTERM'); // the PID is the server itself (the bin registers tsx in-process)
    expect(await exit).toBe(0);
    child = null;
  });
});
