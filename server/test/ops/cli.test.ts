import { spawn, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/client.js';
import { parsePrometheusText, valueOf } from './prom-text.js';
import { killGroup, spawnTs } from '../../../test/support/spawn.js';

// `serve` with the ops flags, as an operator runs it, in a child process.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsxBin = `${root}node_modules/.bin/tsx`;
const SECRET = 'cli-admin-secret-0123456789';

describe('cli serve: logs, admin port, metrics', () => {
  let child: ReturnType<typeof spawn> | null = null;
  afterEach(async () => {
    await killGroup(child); // a failed test leaves no server behind
    child = null;
  });

  it('logs JSON lines (stdout is not a terminal), opens the admin port from env MPRTC_ADMIN_SECRET, serves /metrics', async () => {
    const proc = spawnTs('server/src/cli.ts', ['serve', '--port', '0', '--no-relay', '--admin-port', '0', '--metrics', '--log-level', 'debug'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MPRTC_ADMIN_SECRET: SECRET },
    });
    child = proc;
    let out = '';
    const admin = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (d) => {
        out += String(d);
        const m = /admin API and dashboard on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const url = /^mprtc-server listening on (ws:\/\/\S+)$/m.exec(out)![1]!;
    const appId = /app id:\s+(\S+)/.exec(out)![1]!;
    const c = await RawClient.connect(url);
    const refused = await c.request('join', { appId, token: '001' + appId + 'AAAA', roomId: 'demo', userId: 'alice', visible: true });
    expect(refused.ok).toBe(false);
    const res = await fetch(`${admin}metrics`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.status).toBe(200);
    expect(valueOf(parsePrometheusText(await res.text()), 'mprtc_refusals_total', { request: 'join', name: 'TOKEN_INVALID' })).toBe(1);
    expect((await fetch(`${admin}admin/api/apps`)).status).toBe(401);
    c.close();
    await expect.poll(() => out.split('\n').some((l) => l.startsWith('{') && JSON.parse(l).event === 'join-refused')).toBe(true);
    const json = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(json.find((l) => l.event === 'listening' && l.what === 'signaling')).toMatchObject({ address: url, level: 30 });
    expect(json.find((l) => l.event === 'listening' && l.what === 'admin')).toMatchObject({ address: admin });
    expect(json.find((l) => l.event === 'join-refused')).toMatchObject({ codeName: 'TOKEN_INVALID', userId: 'alice' });
    expect(out).not.toContain(SECRET);
    const exit = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = null;
  });

  it('refuses bad ops flags before opening anything', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--admin-port', '0'], {}, /admin secret of at least 16/],
      [['--admin-port', '0', '--admin-secret', 'short'], {}, /admin secret of at least 16/],
      [['--admin-port', '0'], { MPRTC_ADMIN_SECRET: 'short' }, /admin secret of at least 16/],
      [['--metrics'], {}, /--metrics needs --admin-port/],
      [['--admin-secret', SECRET], {}, /--admin-secret needs --admin-port/],
      [['--log-level', 'loud'], {}, /--log-level must be one of/],
      [['--admin-port', '70000', '--admin-secret', SECRET], {}, /--admin-port must be 0 to 65535/],
    ];
    for (const [args, env, message] of cases) {
      const { MPRTC_ADMIN_SECRET: _drop, ...base } = process.env;
      const err = await run(tsxBin, ['server/src/cli.ts', 'serve', '--port', '0', '--no-relay', ...args], { cwd: root, env: { ...base, ...env } }).catch(
        (e) => e,
      );
      expect(err.code, args.join(' ')).toBe(2);
      expect(err.stderr).toMatch(message);
    }
  });
});
