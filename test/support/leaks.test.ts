// The leak check of the global teardown finds what it must: an orphan carrying the run's marker
// (its parent killed, so it is no longer our descendant), and a descendant without the marker.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killLeaks, leaksNow, RUN_MARKER } from './leaks.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

/** A shell that starts `sleep` in the background and prints its pid. */
function shellWithSleep(env: NodeJS.ProcessEnv): Promise<{ shell: ChildProcess; sleeper: number }> {
  const shell = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(shell.pid!);
  return new Promise((resolve) => {
    shell.stdout!.once('data', (d: Buffer) => {
      const sleeper = Number(String(d).trim());
      started.push(sleeper);
      resolve({ shell, sleeper });
    });
  });
}

describe.runIf(process.platform === 'linux')('leak check', () => {
  it('finds an orphaned grandchild by the run marker, and nothing once it is gone', async () => {
    const run = randomUUID();
    const { shell, sleeper } = await shellWithSleep({ ...process.env, [RUN_MARKER]: run });
    shell.kill('SIGKILL'); // the wrapper dies, its child lives on, re-parented away from us
    await vi.waitFor(() => expect(leaksNow(run).map((p) => p.pid)).toEqual([sleeper]));
    killLeaks(leaksNow(run));
    await vi.waitFor(() => expect(leaksNow(run)).toEqual([]));
  });

  it('finds a live descendant even when it was started without the marker', async () => {
    const env = { ...process.env };
    delete env[RUN_MARKER];
    const { shell, sleeper } = await shellWithSleep(env);
    const pids = leaksNow(randomUUID()).map((p) => p.pid);
    expect(pids).toEqual(expect.arrayContaining([shell.pid, sleeper]));
  });
});
