// `npm start` (scripts/demo.ts) as a new user meets it: a Ctrl-C in the terminal stops it cleanly,
// and a machine without ffmpeg, or with ffmpeg but no ffprobe, still runs the walk-through and
// says what it skipped. Full lane (spawns the demo, its relay and ffmpeg).
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { needs } from '../support/binaries.js';
import { killGroup, spawnTs } from '../support/spawn.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bins = mkdtempSync(join(tmpdir(), 'mprtc-demo-path-'));
let child: ChildProcess | null = null;

afterEach(async () => {
  await killGroup(child);
  child = null;
});
afterAll(() => rmSync(bins, { recursive: true, force: true }));

/** The demo in its own process group, as a terminal runs it; resolves on exit. */
function demo(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const proc = (child = spawnTs('scripts/demo.ts', args, { cwd: root, env }));
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exit, out: () => out, err: () => err };
}

describe('npm start', () => {
  it('--keep, then Ctrl-C: both leave, everything stops, exit 0, nothing on stderr', { timeout: 60_000 }, async () => {
    const d = demo(['--keep']);
    await expect.poll(d.out, { timeout: 45_000, interval: 100 }).toContain('Ctrl-C to stop.');
    // What a terminal does: SIGINT to the whole foreground process group (relay and ffmpeg too).
    process.kill(-d.proc.pid!, 'SIGINT');
    expect(await d.exit, `demo output:\n${d.out()}\n${d.err()}`).toBe(0);
    expect(d.out()).toContain('stopped cleanly');
    expect(d.err()).toBe('');
  });

  it('without ffmpeg: the walk-through passes and says media was skipped', { timeout: 60_000 }, async () => {
    const d = demo([], { ...process.env, PATH: bins });
    expect(await d.exit, `demo output:\n${d.out()}\n${d.err()}`).toBe(0);
    expect(d.out()).toContain('media was skipped (ffmpeg not installed: sudo apt-get install ffmpeg)');
  });

  it.runIf(needs(['ffmpeg'], 'the demo with ffmpeg but no ffprobe'))(
    'with ffmpeg but no ffprobe: no crash, it says the media was not read back',
    { timeout: 60_000 },
    async () => {
      const ffmpeg = (process.env.PATH ?? '')
        .split(':')
        .map((dir) => join(dir, 'ffmpeg'))
        .find((p) => existsSync(p));
      expect(ffmpeg).toBeDefined();
      symlinkSync(ffmpeg!, join(bins, 'ffmpeg')); // ffmpeg alone on PATH, as a build without ffprobe
      const d = demo([], { ...process.env, PATH: bins });
      expect(await d.exit, `demo output:\n${d.out()}\n${d.err()}`).toBe(0);
      expect(d.out()).toContain('ffprobe not found');
      expect(d.out()).toContain('media was pushed but not read back (no ffprobe)');
    },
  );
});
