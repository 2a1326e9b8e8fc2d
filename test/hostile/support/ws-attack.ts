// Hostile signaling clients for test/hostile/signaling.test.ts: each attack runs until told to
// stop and counts what the server answered, so the test asserts behaviour (codes, close codes)
// rather than timings. Sockets are real ws sockets on loopback against the real `serve`.
import WebSocket from 'ws';
import { generateToken } from '../../../server/src/token/index.js';
import { RawClient } from '../../../server/test/support/client.js';
import type { Serve } from './rtmp-serve.js';

export interface Tally {
  /** Frames or upgrades the attack sent. */
  sent: number;
  /** Close codes the server closed attacking sockets with (1006: cut without a close frame). */
  closes: Map<number, number>;
  /** Error codes in responses and error frames the attack received. */
  codes: Map<number, number>;
  /** HTTP statuses of refused upgrades. */
  refusedUpgrades: Map<number, number>;
}

export const tally = (): Tally => ({ sent: 0, closes: new Map(), codes: new Map(), refusedUpgrades: new Map() });
const bump = (m: Map<number, number>, k: number): void => void m.set(k, (m.get(k) ?? 0) + 1);

export function tokenFor(s: Serve, roomId: string, userId: string): string {
  return generateToken({ appId: s.appId, appKey: s.appKey, roomId, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
}

export async function joined(
  s: Serve,
  roomId: string,
  userId: string,
  headers?: Record<string, string>,
): Promise<{ c: RawClient; sessionId: string; resumeToken: string }> {
  const c = await RawClient.connect(s.url, headers);
  const r = await c.request('join', { appId: s.appId, token: tokenFor(s, roomId, userId), roomId, userId, visible: true });
  if (!r.ok) throw new Error(`join of ${userId} failed: ${JSON.stringify(r.error)}`);
  return { c, sessionId: r.data.sessionId, resumeToken: r.data.resumeToken };
}

/** Opens a socket that records every answer and close into `t`; resolves null when refused. */
export function attacker(url: string, t: Tally, headers: Record<string, string> = {}): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('message', (data) => {
      try {
        const f = JSON.parse(String(data)) as { error?: { code?: unknown } };
        if (typeof f.error?.code === 'number') bump(t.codes, f.error.code);
      } catch {
        // not ours to judge
      }
    });
    ws.once('open', () => resolve(ws));
    ws.once('close', (code) => bump(t.closes, code));
    ws.once('unexpected-response', (_req, res) => {
      bump(t.refusedUpgrades, res.statusCode ?? 0);
      res.resume();
      ws.terminate();
      resolve(null);
    });
    ws.on('error', () => resolve(null));
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * `sockets` attackers, each sending `frame()` in bursts for as long as `running()`; a socket the
 * server closes is replaced, as a persistent attacker would.
 */
export async function hammer(
  url: string,
  t: Tally,
  sockets: number,
  running: () => boolean,
  frame: (i: number) => string | Buffer,
  opts: { binary?: boolean; burst?: number } = {},
): Promise<void> {
  const burst = opts.burst ?? 50;
  await Promise.all(
    Array.from({ length: sockets }, async () => {
      while (running()) {
        const ws = await attacker(url, t);
        if (!ws) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        while (running() && ws.readyState === WebSocket.OPEN) {
          // Only what the socket can take: the attacker's own memory is not under test.
          if (ws.bufferedAmount < 4 * 1024 * 1024) {
            for (let i = 0; i < burst; i++) ws.send(frame(t.sent++), { binary: opts.binary ?? false });
          }
          await tick();
        }
        ws.terminate();
      }
    }),
  );
}
