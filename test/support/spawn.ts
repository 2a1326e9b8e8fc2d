// Child processes a test starts and must not leave behind: each runs in its own process group,
// so killing the group takes whatever it started too (the relay's process, ffmpeg).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Spawns `command` in its own process group (detached). */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
}

/** A TypeScript entry point under `node --import tsx`: the PID is the program, not a wrapper. */
export function spawnTs(file: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawnGroup(process.execPath, ['--import', 'tsx', file, ...args], options);
}

/** SIGKILLs the child's process group if the child still runs, and waits until it exited. */
export async function killGroup(child: ChildProcess | null | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // not a group leader after all
  }
  await gone;
}
