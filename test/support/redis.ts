// A real redis-server for tests: its own free port and temporary directory (never the system
// service), append-only persistence so a restart keeps the data (fsync every second, as in
// production; a clean stop writes everything), and no process left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Suites skip without redis-server only locally: test/support/binaries.ts needs(['redis-server'], ...).

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += String(d);
      if (buf.includes('\r\n')) {
        s.destroy();
        // -LOADING while it reads its append-only file back: not ready yet.
        resolve(buf.startsWith('+PONG'));
      }
    });
  });
}

export class TestRedis {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'mprtc-redis-')));
    await r.up();
    return r;
  }

  /** Starts (again) on the same port and directory: the data written before is read back. */
  async up(): Promise<void> {
    if (this.proc) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.proc = proc;
    // Its own process group (so down() reaches a forked AOF rewrite too): if this process ends
    // without stop(), take it along rather than leave it running.
    const orphanGuard = (): void => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    process.once('exit', orphanGuard);
    let failed: Error | null = null;
    proc.once('error', (e) => (failed = e));
    proc.once('exit', () => {
      process.removeListener('exit', orphanGuard);
      if (this.proc === proc) this.proc = null;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (failed) throw failed;
      if (!this.proc) throw new Error('redis-server exited at start');
      if (await ping(this.port)) return;
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the process (SIGKILL with `hard`, as a crash); the directory stays for up(). */
  async down(hard = false): Promise<void> {
    const p = this.proc;
    if (!p) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    try {
      process.kill(-p.pid!, hard ? 'SIGKILL' : 'SIGTERM');
    } catch {
      /* gone already */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(t);
    this.proc = null;
  }

  async stop(): Promise<void> {
    await this.down(true);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
