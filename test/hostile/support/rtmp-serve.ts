// The real `serve` in a child process (`node --import tsx server/src/cli.ts serve`, so the pid is
// the server's), its relay child, their memory, and a bystander call that must keep working.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateToken } from '../../../server/src/token/index.js';
import { RawClient } from '../../../server/test/support/client.js';
import { libraryClient, markedVideo, type LibraryClient } from './rtmp.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface Serve {
  proc: ChildProcess;
  pid: number;
  url: string;
  appId: string;
  appKey: string;
  rtmpPort: number;
  httpPort: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startServe(extra: string[] = []): Promise<Serve> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--rtmp-port', '0', '--http-port', '0', ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => {
    if (out.length < 200_000) out += String(d);
  });
  proc.stderr!.on('data', (d) => {
    if (out.length < 200_000) out += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (/rtmp relay on port \d+/.test(out) && out.includes('mint a token')) resolve();
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  return {
    proc,
    pid: proc.pid!,
    url: /listening on (ws:\/\/\S+)/.exec(out)![1]!,
    appId: /app id:\s+(\S+)/.exec(out)![1]!,
    appKey: /app key:\s+(\S+)/.exec(out)![1]!,
    rtmpPort: Number(/rtmp relay on port (\d+)/.exec(out)![1]),
    httpPort: Number(/http-flv on port (\d+)/.exec(out)![1]),
    output: () => out,
    stop,
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The relay process: the server's child running the relay entry. */
export function relayPid(serverPid: number): number | null {
  for (const c of children(serverPid)) {
    try {
      if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('child/main.ts')) return c;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the server and all its descendants, MiB. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    kb += rssKb(p);
    stack.push(...children(p));
  }
  return kb / 1024;
}

export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let calls = 0;

/**
 * A call in a room of its own: two users join, one publishes, the other subscribes, and video
 * messages pushed on the issued URL reach the player on its issued URL.
 */
export async function bystanderCall(s: Serve): Promise<void> {
  calls += 1;
  const room = `bystanders-${calls}`;
  const tok = (userId: string): string =>
    generateToken({ appId: s.appId, appKey: s.appKey, roomId: room, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  const pub = await RawClient.connect(s.url);
  const sub = await RawClient.connect(s.url);
  const clients: LibraryClient[] = [];
  try {
    for (const [c, userId] of [
      [pub, 'pub'],
      [sub, 'sub'],
    ] as const) {
      const r = await c.request('join', { appId: s.appId, token: tok(userId), roomId: room, userId, visible: true });
      if (!r.ok) throw new Error(`bystander join failed: ${JSON.stringify(r.error)}`);
    }
    const p = await pub.request('publish', { screen: false });
    if (!p.ok) throw new Error(`bystander publish failed: ${JSON.stringify(p.error)}`);
    await sub.waitEvent('stream-added', (d: { uid: string }) => d.uid === 'pub');
    const r = await sub.request('subscribe', { userId: 'pub' });
    if (!r.ok) throw new Error(`bystander subscribe failed: ${JSON.stringify(r.error)}`);

    const player = await libraryClient(r.data.url as string);
    clients.push(player.client);
    const markers: number[] = [];
    player.client.onPacketCallback = (packet) => {
      if (packet.codec_type === 9) markers.push(packet.data[5] ?? -1);
    };
    await player.client.sendPlay(player.name);
    const publisher = await libraryClient(p.data.url as string);
    clients.push(publisher.client);
    await publisher.client.sendPublish(publisher.name);
    for (let i = 0; markers.length < 3; i++) {
      if (i > 250) throw new Error('bystander media did not arrive');
      publisher.client.sendPacket(markedVideo(0x42, i * 40));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    if (!markers.every((m) => m === 0x42)) throw new Error(`bystander got foreign media: ${markers.join(',')}`);
  } finally {
    for (const c of clients) c.disconnect();
    pub.ws.terminate();
    sub.ws.terminate();
  }
}

/** A user who joined a room of its own and published: its push URL, and a way to leave. */
export async function publisher(s: Serve, room: string, userId: string): Promise<{ url: string; leave: () => void }> {
  const c = await RawClient.connect(s.url);
  const token = generateToken({ appId: s.appId, appKey: s.appKey, roomId: room, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
  const j = await c.request('join', { appId: s.appId, token, roomId: room, userId, visible: true });
  if (!j.ok) throw new Error(`join failed: ${JSON.stringify(j.error)}`);
  const p = await c.request('publish', { screen: false });
  if (!p.ok) throw new Error(`publish failed: ${JSON.stringify(p.error)}`);
  return { url: p.data.url as string, leave: () => c.ws.terminate() };
}

/** Runs a bystander call while `attack` runs; both must finish. */
export async function callDuring(s: Serve, attack: () => Promise<void>): Promise<void> {
  await Promise.all([attack(), bystanderCall(s)]);
}
