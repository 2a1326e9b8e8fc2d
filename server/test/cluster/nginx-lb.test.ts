// docs/nginx-lb.conf as written (only addresses, ports and TLS swapped for the test's) in a real
// nginx in front of two `serve --redis` nodes: the SDK's runtime connects through it, the node
// holding the room is SIGKILLed, and nginx's next upstream takes the resumes: nobody leaves.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '../../../src/generated/events.js';
import { createRuntime, type ClientRuntime } from '../../../src/runtime/index.js';
import { needs } from '../../../test/support/binaries.js';
import { TestRedis, freePort } from '../../../test/support/redis.js';
import { wsTransport } from '../../../test/support/runtime-harness.js';
import { APP_ID, token } from '../support/client.js';
import { RedisView, ServeNode, until } from './support.js';

const DOC = fileURLToPath(new URL('../../../docs/nginx-lb.conf', import.meta.url));

/** The documented config, pointed at the test's nodes and a loopback port without TLS. */
function testConfig(dir: string, port: number, upstreams: number[]): string {
  let doc = readFileSync(DOC, 'utf8');
  doc = doc.replace(/listen 443 ssl;/, `listen 127.0.0.1:${port};`).replace(/^\s*ssl_certificate.*$/gm, '');
  const servers = [...doc.matchAll(/^(\s*)server 10\.0\.0\.\d+:8081 ([^;]*);.*$/gm)];
  if (servers.length !== 3) throw new Error('docs/nginx-lb.conf no longer lists three upstream servers');
  const indent = servers[0]![1]!;
  const params = servers[0]![2]!;
  doc = doc.replace(/^\s*server 10\.0\.0\.\d+:8081 [^;]*;.*\n/gm, '');
  doc = doc.replace(
    /(upstream mprtc_signaling \{\n(?:.*\n)*?)(\})/,
    (_, head: string, close: string) => head + upstreams.map((p) => `${indent}server 127.0.0.1:${p} ${params};\n`).join('') + close,
  );
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
  return `worker_processes 1;\nerror_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  access_log off;\n${temp}\n${doc}\n}\n`;
}

describe.runIf(needs(['redis-server', 'nginx'], 'nginx load balancer'))('docs/nginx-lb.conf in front of two nodes', () => {
  let redis: TestRedis;
  let nodes: ServeNode[] = [];
  let view: RedisView;
  let nginx: ChildProcess | undefined;
  let dir = '';
  let url = '';
  const rts: ClientRuntime[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    nodes = await Promise.all([0, 1].map(() => ServeNode.start(redis.url, { graceMs: 8000, ttlMs: 1500, args: ['--trust-proxy'] })));
    view = new RedisView(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'mprtc-nginx-lb-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      testConfig(
        dir,
        port,
        nodes.map((n) => n.port),
      ),
    );
    nginx = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    url = `ws://127.0.0.1:${port}/?room=lb`;
    await until(
      async () => {
        const { default: net } = await import('node:net');
        return new Promise<boolean>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        });
      },
      10_000,
      () => 'nginx listening',
    );
  }, 60_000);

  afterAll(async () => {
    for (const rt of rts) await rt.destroy().catch(() => undefined);
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await gone;
    }
    await Promise.all(nodes.map((n) => n.stop()));
    view?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carries the SDK to one node per room, and to the other when that node dies, with resumes', async () => {
    const heard: Record<string, string[]> = { x: [], y: [] };
    for (const uid of ['x', 'y']) {
      const rt = createRuntime({
        server: url,
        transport: wsTransport,
        heartbeatIntervalMs: 200,
        heartbeatTimeoutMs: 1000,
        reconnect: { baseDelayMs: 50, maxDelayMs: 300, maxAttempts: 100 },
      });
      rts.push(rt);
      for (const e of [EVENTS.PEER_LEAVE, EVENTS.PEER_ONLINE, EVENTS.MUTE_AUDIO, EVENTS.STREAM_ADDED, EVENTS.STREAM_REMOVED])
        rt.on(e, (p: { uid: string }) => heard[uid]!.push(`${e}:${p.uid}`));
      rt.on(EVENTS.ERROR, () => undefined);
      await rt.init(APP_ID);
      await rt.join(token('lb', uid), 'lb', uid);
    }
    await rts[0]!.publish();
    await until(
      () => heard.y!.includes(`${EVENTS.STREAM_ADDED}:x`),
      10_000,
      () => JSON.stringify(heard),
    );
    // The room hash put both on one node: the sessions in Redis name it.
    const holders = new Set<string>();
    for (const k of await view.redis.keys('mprtc:*:s:*')) holders.add((await view.redis.hget(k, 'n')) ?? '');
    expect(holders.size).toBe(1);
    const victim = nodes.find((n) => holders.has(n.nodeId))!;
    await victim.kill();

    const stats = (rt: ClientRuntime) => (rt as unknown as { stats: { resumes: number; freshJoins: number } }).stats;
    await until(
      () => rts.every((rt) => stats(rt).resumes >= 1),
      20_000,
      () => JSON.stringify(rts.map(stats)),
    );
    await rts[0]!.muteLocal({ audio: true, video: false });
    await until(
      () => heard.y!.includes(`${EVENTS.MUTE_AUDIO}:x`),
      10_000,
      () => JSON.stringify(heard),
    );
    expect(rts.map((rt) => stats(rt).freshJoins)).toEqual([0, 0]);
    expect([...heard.x!, ...heard.y!].filter((h) => h.startsWith(EVENTS.PEER_LEAVE) || h.startsWith(EVENTS.STREAM_REMOVED))).toEqual([]);
    // Both now live on the surviving node.
    const now = new Set<string>();
    for (const k of await view.redis.keys('mprtc:*:s:*')) now.add((await view.redis.hget(k, 'n')) ?? '');
    expect([...now]).toEqual([nodes.find((n) => n !== victim)!.nodeId]);
  });
});
