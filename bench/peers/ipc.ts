// Request/response over a forked child's IPC channel: the bench drives its server and client
// processes with small commands ({op, ...}) and waits for the matching answer.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Handler = (msg: Record<string, any>) => unknown;

/** In a child: answers each {id, op} message with {id, result} (or {id, error}). */
export function serve(handler: Handler): void {
  process.on('message', async (msg: Record<string, any>) => {
    try {
      process.send!({ id: msg.id, result: await handler(msg) });
    } catch (e) {
      process.send!({ id: msg.id, error: String((e as Error)?.stack ?? e) });
    }
  });
  // The parent went away (crash, Ctrl-C): do not linger holding thousands of sockets.
  process.on('disconnect', () => process.exit(0));
}

export interface Child {
  readonly proc: ChildProcess;
  call<T = any>(op: string, args?: Record<string, unknown>): Promise<T>;
  kill(): Promise<void>;
}

/** Forks a TypeScript entry of this folder (through tsx) and returns its command channel. */
export function spawnChild(entry: string, args: string[] = [], nodeArgs: string[] = []): Child {
  const file = fileURLToPath(new URL(entry, import.meta.url));
  const proc = fork(file, args, { execArgv: ['--import', 'tsx', '--expose-gc', ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  proc.on('message', (m: any) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(`${entry}: ${m.error}`));
    else w?.resolve(m.result);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${entry} exited (${code})`));
    waiting.clear();
  });
  return {
    proc,
    call(op, a = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        proc.send({ id, op, ...a });
      });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        // 'stop' lets a server close cleanly (and write its CPU profile); the timer is the backstop.
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.send({ id: 0, op: 'stop' }, () => undefined);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
