// Real ffmpeg/ffprobe processes for the media tests and benches: a test-pattern pusher and a
// player that counts the frames it decodes. Every child is tracked so tests can kill them all.

import { spawn, type ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  // A program that cannot start (ENOENT) reports here instead of as an unhandled error.
  child.once('error', () => children.delete(child));
  return child;
}

/** Resolves with the exit code, or -1 when the program could not be started. */
function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
}

/** Kills every child still running (afterEach). */
export async function killAll(): Promise<void> {
  const running = [...children];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

export interface Push {
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
}

export interface PatternOptions {
  seconds: number;
  size?: string;
  rate?: number;
  /** Burn the wall clock (ms) into the picture, for the latency bench. */
  extraVideoFilter?: string;
}

/** ffmpeg pushing a lavfi test pattern with a sine tone, H.264 + AAC in FLV, in real time. */
export function pushPattern(url: string, options: PatternOptions): Push {
  const size = options.size ?? '160x120';
  const rate = options.rate ?? 15;
  const video = `testsrc=size=${size}:rate=${rate}${options.extraVideoFilter ? `,${options.extraVideoFilter}` : ''}`;
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    video,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    String(options.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    String(rate),
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    url,
  ];
  const child = track(spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (err.length < 20_000) err += d.toString();
  });
  const exited = exitOf(child);
  return { child, exited, stderr: () => err };
}

export interface Player {
  child: ChildProcess;
  counts: { video: number; audio: number };
  exited: Promise<number | null>;
  /** Resolves once pred holds for the counts; rejects after timeoutMs with the counts seen. */
  until: (pred: (c: { video: number; audio: number }) => boolean, timeoutMs?: number, what?: string) => Promise<void>;
  stderr: () => string;
}

/**
 * ffprobe reading a play URL and reporting every decoded frame as it arrives (or, with
 * packets: true, every packet without decoding: cheaper, for the capacity bench).
 */
export function playFrames(url: string, options: { packets?: boolean } = {}): Player {
  const entries = options.packets ? 'packet=codec_type' : 'frame=media_type';
  const args = [
    '-oL',
    'ffprobe',
    '-v',
    'error',
    '-hide_banner',
    '-fflags',
    'nobuffer',
    '-analyzeduration',
    '1000000',
    '-show_entries',
    entries,
    '-of',
    'csv=p=0',
    '-i',
    url,
  ];
  // stdbuf: ffprobe prints through stdio, which would hold lines back in a pipe.
  const child = track(spawn('stdbuf', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const counts = { video: 0, audio: 0 };
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const kind = line.trim().replace(/,$/, '');
      if (kind === 'video') counts.video += 1;
      else if (kind === 'audio') counts.audio += 1;
    }
    for (const wake of [...waiters]) wake();
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (err.length < 20_000) err += d.toString();
  });
  const exited = exitOf(child);
  const until: Player['until'] = (pred, timeoutMs = 15_000, what = 'condition') =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(counts)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; frames seen ${JSON.stringify(counts)}; ffprobe: ${err.slice(-500)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, counts, exited, until, stderr: () => err };
}

function describe(event: unknown): string {
  try {
    return String(JSON.stringify(event)).slice(0, 300);
  } catch {
    return String(event);
  }
}

/**
 * Resolves with the value of the first event matching pred, or rejects after timeoutMs naming
 * the events that did come meanwhile (a push-stopped 'relay process exited' explains a lot).
 */
export function nextEvent<E>(subscribe: (listener: (event: E) => void) => () => void, pred: (event: E) => boolean, timeoutMs = 15_000): Promise<E> {
  return new Promise((resolve, reject) => {
    const others: string[] = [];
    const off = subscribe((event) => {
      if (!pred(event)) {
        if (others.length < 20) others.push(describe(event));
        return;
      }
      clearTimeout(timer);
      off();
      resolve(event);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for a media event; other events meanwhile: ${others.length ? others.join(', ') : 'none'}`));
    }, timeoutMs);
  });
}
