// `serve --redis`: bad options and an unreachable Redis end the command with exit code 2 and a
// reason (never the password); REDIS_URL stands for --redis.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis, freePort } from '../../../test/support/redis.js';
import { ServeNode } from './support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function serve(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--no-relay', ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: '', ...env },
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    p.stderr.on('data', (d: Buffer) => (out += String(d)));
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

describe('serve --redis options', () => {
  it('refuses a URL that is not redis:// and --node-ttl-ms without Redis', async () => {
    const bad = await serve(['--redis', 'http://127.0.0.1:6379/0']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('redis URL must start with redis://');
    const ttl = await serve(['--node-ttl-ms', '2000']);
    expect(ttl.code).toBe(2);
    expect(ttl.out).toContain('--node-ttl-ms needs --redis');
  });

  it('exits 2 when Redis cannot be reached, without printing the password', async () => {
    const port = await freePort();
    const r = await serve(['--redis', `redis://:hunter2-secret@127.0.0.1:${port}/0`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`cannot reach redis at 127.0.0.1:${port}`);
    expect(r.out).not.toContain('hunter2');
  });
});

describe.runIf(needs(['redis-server'], 'serve REDIS_URL'))('serve with REDIS_URL', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('joins the cluster named by REDIS_URL and leaves the node set on SIGTERM', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--no-relay'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.url },
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
    const { Redis } = await import('ioredis');
    const c = new Redis(redis.url);
    try {
      const id = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no cluster line: ${out}`)), 20_000);
        p.stdout.on('data', () => {
          const m = /cluster node (\S+) on redis (\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      expect(await c.sismember('mprtc:nodes', id)).toBe(1);
      expect(await c.exists(`mprtc:node:${id}:alive`)).toBe(1);
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await c.sismember('mprtc:nodes', id)).toBe(0);
      expect(await c.exists(`mprtc:node:${id}:alive`)).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      c.disconnect();
    }
  });

  it('ServeNode helper starts and stops cleanly (exit 0)', async () => {
    const n = await ServeNode.start(redis.url);
    expect(n.nodeId).toMatch(/^[0-9a-f]{12}$/);
    expect(await n.stop()).toBe(0);
  });
});
