import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/token/index.js';
import { killAll, playFrames, pushPattern } from '../media/support/av.js';
import { nginxPorts, relayUrls, startNginx, type Nginx } from '../media-external/support/nginx.js';
import { RawClient } from '../support/client.js';
import { needs } from '../../../test/support/binaries.js';
import { killGroup, spawnTs } from '../../../test/support/spawn.js';

// `serve --external-relay ...` as a user runs it: the CLI in a child process, a real nginx with
// the RTMP module configured with the callback URL the CLI prints, ffmpeg / ffprobe for media.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsxBin = `${root}node_modules/.bin/tsx`;
const tsx = (args: string[], env: NodeJS.ProcessEnv = process.env) => run(tsxBin, ['server/src/cli.ts', ...args], { cwd: root, env });

let child: ChildProcess | null = null;
let nginx: Nginx | null = null;
afterEach(async () => {
  await killAll();
  await killGroup(child);
  child = null;
  await nginx?.stop();
  nginx = null;
});

/** Starts `serve` and resolves with what it printed, once it printed everything. */
function serve(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const proc = spawnTs('server/src/cli.ts', ['serve', ...args], { cwd: root, env });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  return new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('mint a token')) resolve(out);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out} ${err}`)));
  });
}

/** Joins room demo on the app `serve` printed (the built-in development app). */
async function joined(out: string, userId: string): Promise<RawClient> {
  const url = /listening on (ws:\/\/\S+)/.exec(out)![1]!;
  const appId = /app id:\s+(\S+)/.exec(out)![1]!;
  const appKey = /app key:\s+(\S+)/.exec(out)![1]!;
  const token = generateToken({ appId, appKey, roomId: 'demo', userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  const c = await RawClient.connect(url);
  expect(await c.request('join', { appId, token, roomId: 'demo', userId })).toMatchObject({ ok: true });
  return c;
}

describe('cli serve --external-relay', () => {
  it.runIf(needs(['nginx', 'ffmpeg', 'ffprobe'], 'serve --external-relay against nginx-rtmp'))(
    'runs against a real nginx-rtmp configured with the printed callback URL: a push and a play get through',
    async () => {
      const ports = await nginxPorts();
      const { rtmpBase, controlUrl } = relayUrls(ports, 'live');
      const out = await serve(
        [
          '--port',
          '0',
          '--external-relay',
          rtmpBase,
          '--relay-dialect',
          'nginx-rtmp',
          '--relay-control',
          controlUrl,
          '--callback-host',
          '127.0.0.1',
          '--callback-port',
          '0',
          '--callback-path',
          '/hooks',
        ],
        { ...process.env, MPRTC_HOOK_TOKEN: 'token-from-the-environment' },
      );
      const hookUrl = /relay callback URL: (\S+)/.exec(out)![1]!;
      expect(hookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/token-from-the-environment$/);
      nginx = await startNginx({ ports, app: 'live', hookUrl });

      const alice = await joined(out, 'alice');
      const bob = await joined(out, 'bob');
      const pushUrl = (await alice.request('publish', { screen: false })).data.url as string;
      expect(pushUrl.startsWith(`${rtmpBase}/`)).toBe(true);
      pushPattern(pushUrl, { seconds: 60 });
      await bob.waitEvent('stream-added');
      const playUrl = (await bob.request('subscribe', { userId: 'alice' })).data.url as string;
      const player = playFrames(playUrl);
      await player.until((c) => c.video >= 5 && c.audio >= 5, 20_000, 'audio and video frames through nginx');
      // A URL the server did not issue is refused by the relay (the callback says no).
      const forged = playFrames(playUrl.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`));
      expect(await forged.exited).not.toBe(0);
      expect(forged.counts.video).toBe(0);
      alice.close();
      bob.close();
    },
  );

  it('--resume-grace-ms 0: a dropped socket leaves at once (peer-leave {reason: timeout})', async () => {
    const out = await serve(['--port', '0', '--no-relay', '--resume-grace-ms', '0']);
    const alice = await joined(out, 'alice');
    const bob = await joined(out, 'bob');
    await alice.waitEvent('peer-online');
    alice.ws.terminate();
    expect((await bob.waitEvent('peer-leave')).data).toEqual({ uid: 'alice', reason: 'timeout' });
    bob.close();
    // The default grace period (20 s) would outlast this test's 15 s bound: the flag took effect.
  }, 15_000);

  it('exits 2 with the reason on a bad relay configuration or misplaced flags', async () => {
    const good = [
      '--external-relay',
      'rtmp://127.0.0.1:1935/live',
      '--relay-dialect',
      'srs',
      '--relay-control',
      'http://127.0.0.1:1985',
      '--callback-host',
      '127.0.0.1',
      '--callback-port',
      '0',
    ];
    const set = (flag: string, value: string) => good.map((v, i) => (good[i - 1] === flag ? value : v));
    const cases: [string[], RegExp][] = [
      [set('--external-relay', 'rtmp://127.0.0.1:1935/live/extra'), /external relay: rtmpBase must look like/],
      [set('--external-relay', 'not a url'), /external relay: /],
      [set('--relay-dialect', 'wowza'), /--relay-dialect must be nginx-rtmp or srs/],
      [set('--relay-control', 'ftp://127.0.0.1/'), /external relay: controlUrl must be an http/],
      [set('--callback-port', 'abc'), /--callback-port must be an integer/],
      [[...good, '--callback-token', 'short'], /external relay: hookToken must be/],
      [[...good, '--callback-path', 'no-slash'], /external relay: hookPath must be/],
      [good.slice(0, -2), /--callback-port is required/],
      [[...good, '--rtmp-port', '1936'], /--rtmp-port is for the embedded relay/],
      [['--relay-dialect', 'srs'], /--relay-dialect needs --external-relay/],
      [['--resume-grace-ms', '-1'], /--resume-grace-ms must be 0 or more/],
    ];
    for (const [args, message] of cases) {
      const err = await tsx(['serve', '--port', '0', ...args]).catch((e) => e);
      expect(err.code, args.join(' ')).toBe(2);
      expect(err.stderr).toMatch(/^mprtc-server: /);
      expect(err.stderr).toMatch(message);
    }
  });
});
