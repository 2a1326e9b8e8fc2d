// vitest globalSetup (both lanes): marks this run in the environment every test process inherits,
// checks the media binaries once, and at the end fails the run if any process the tests started
// is still alive (a leaked server keeps its port and its CPU long after the run).
import { randomUUID } from 'node:crypto';
import { checkBinariesOnce } from './binaries.js';
import { findLeaks, killLeaks, RUN_MARKER } from './leaks.js';

export default function setup(): () => Promise<void> {
  const run = randomUUID();
  // Inherited by the worker forks and everything they spawn (tests pass process.env on).
  process.env[RUN_MARKER] = run;
  checkBinariesOnce();
  return async () => {
    // A server stopped in afterAll may take a moment to exit: wait before calling it a leak.
    const leaks = await findLeaks(run, { graceMs: 3000 });
    if (leaks.length === 0) return;
    killLeaks(leaks);
    // vitest reports an error thrown here but keeps its exit code: set it ourselves.
    process.exitCode = 1;
    const lines = leaks.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.cmdline.slice(0, 200)}`);
    throw new Error(
      `${leaks.length} process(es) started by the tests were still running at the end (now killed):\n${lines.join('\n')}\n` +
        'Stop every child in afterAll/afterEach; spawn servers as `node --import tsx ...` (the PID is the server) or kill the process group.',
    );
  };
}
