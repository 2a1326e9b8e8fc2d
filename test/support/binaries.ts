// The external programs some suites drive (real ffmpeg, nginx-rtmp, Redis, chromium), found once.
// Locally a suite whose program is missing is skipped, and the run says so in one line naming
// the Debian packages; in CI (CI=true) a missing program fails the suite instead: CI must run
// everything. Suites call `needs([...], 'what')` and wrap themselves in describe.runIf(...).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Each program and the Debian packages that provide it. */
export const PACKAGES = {
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
  nginx: 'nginx-light libnginx-mod-rtmp',
  'redis-server': 'redis-server',
  chromium: 'chromium',
} as const;

export type Program = keyof typeof PACKAGES;

/** Set by the global setup: the programs missing on this machine, comma-separated. */
const MISSING_ENV = 'MPRTC_MISSING_PROGRAMS';

/** Whether `program` is an executable file on PATH (or in /usr/sbin, where nginx lives). */
export function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The missing programs of `programs`, from the global setup's one check when it ran. */
export function missing(programs: readonly Program[], env: NodeJS.ProcessEnv = process.env): Program[] {
  const known = env[MISSING_ENV];
  if (known !== undefined) {
    const gone = new Set(known.split(',').filter(Boolean));
    return programs.filter((p) => gone.has(p));
  }
  return programs.filter((p) => !onPath(p, env.PATH));
}

/** The apt-get line that installs `programs`. */
export function installHint(programs: readonly Program[]): string {
  return `sudo apt-get install ${[...new Set(programs.flatMap((p) => PACKAGES[p].split(' ')))].join(' ')}`;
}

/**
 * True when the suite can run. False (skip) when a program is missing locally; throws when one
 * is missing and CI=true, so the suite fails instead of passing by skipping.
 */
export function needs(programs: readonly Program[], suite: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const gone = missing(programs, env);
  if (gone.length === 0) return true;
  const what = `${suite} needs ${gone.join(', ')} (${installHint(gone)})`;
  if (env.CI === 'true') throw new Error(`${what}; CI=true, so this fails instead of skipping`);
  return false;
}

/** Global setup: look once, tell the workers, and print one line if anything is missing. */
export function checkBinariesOnce(): void {
  // MPRTC_PRETEND_MISSING=ffmpeg,nginx: see what a machine without them gets (skips, or CI failures).
  const pretend = new Set((process.env.MPRTC_PRETEND_MISSING ?? '').split(',').filter(Boolean));
  const gone = (Object.keys(PACKAGES) as Program[]).filter((p) => pretend.has(p) || !onPath(p));
  process.env[MISSING_ENV] = gone.join(',');
  if (gone.length === 0) return;
  const ci = process.env.CI === 'true';
  console.warn(
    `${ci ? 'FAIL' : 'skip'}: ${gone.join(', ')} not found: the suites that need ${gone.length === 1 ? 'it' : 'them'} ` +
      `${ci ? 'fail (CI=true)' : 'are skipped'}. Install: ${installHint(gone)}`,
  );
}
