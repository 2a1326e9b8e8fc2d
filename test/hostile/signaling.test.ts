// Hostile traffic at the signaling port of the real `serve` (a child process: its pid is the
// server's). Each attack runs while a bystander in another room completes a join and a call
// (publish, subscribe, media through the relay); afterwards the server is alive, the attack got
// its documented answers, and the server's memory (all its processes) grew less than BOUND_MB
// (for the report flood: once V8 has collected the flood's garbage, see that test).
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { CODES } from '../../server/src/codes.js';
import { RawClient } from '../../server/test/support/client.js';
import { alive, bystanderCall, startServe, treeRssMb, type Serve } from './support/rtmp-serve.js';
import { attacker, hammer, joined, tally } from './support/ws-attack.js';

/** Resident memory the server may gain during one attack, MiB (see docs/reliability.md). */
const BOUND_MB = 64;

let serve: Serve | undefined;
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
});

/** A server with a bystander call already made (code paths loaded), and its memory then. */
async function server(flags: string[] = []): Promise<{ s: Serve; baseMb: number }> {
  const s = await startServe(['--log-level', 'warn', ...flags]);
  serve = s;
  await bystanderCall(s);
  return { s, baseMb: treeRssMb(s.pid) };
}

/**
 * Runs `attack` while a bystander makes a call. `progress()` counts the attack's actions: the
 * call starts once the attack has made `startAt` of them, and the attack must make more after
 * the call completed, so the call happened while it ran. The attack then goes on until `done()`
 * (its documented effect was seen). Samples the server's memory meanwhile.
 */
async function during(
  s: Serve,
  attack: (running: () => boolean) => Promise<void>,
  progress: () => number,
  startAt: number,
  done: () => boolean = () => true,
): Promise<{ peakMb: number }> {
  let running = true;
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, treeRssMb(s.pid))), 100);
  const attacking = attack(() => running);
  try {
    await until(() => progress() >= startAt, 'the attack to get going');
    await bystanderCall(s);
    const atCall = progress();
    await until(() => progress() > atCall, 'the attack to go on after the call');
    await until(done, 'the attack to reach its effect', 60_000);
  } finally {
    running = false;
    await attacking;
    clearInterval(sampler);
  }
  peakMb = Math.max(peakMb, treeRssMb(s.pid));
  return { peakMb };
}

async function until(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function afterwards(s: Serve, baseMb: number, peakMb: number): void {
  expect(alive(s.pid)).toBe(true);
  expect(s.proc.exitCode).toBeNull();
  console.log(`[hostile/signaling] rss base ${baseMb.toFixed(1)} MiB, peak ${peakMb.toFixed(1)} MiB (+${(peakMb - baseMb).toFixed(1)})`);
  expect(peakMb - baseMb).toBeLessThan(BOUND_MB);
}

/** Watches serve's log lines (JSON at --log-level warn) for a limit that tripped. */
function limitSeen(s: Serve, limit: string, closeCode?: number): () => boolean {
  let seen = false;
  let tail = '';
  s.proc.stdout!.on('data', (d: Buffer) => {
    const text = tail + String(d);
    const lines = text.split('\n');
    tail = lines.pop()!;
    for (const l of lines) {
      if (!l.includes('"event":"limit"')) continue;
      try {
        const j = JSON.parse(l) as { limit?: string; closeCode?: number };
        if (j.limit === limit && (closeCode === undefined || j.closeCode === closeCode)) seen = true;
      } catch {
        // a partial or foreign line
      }
    }
  });
  return () => seen;
}

const count = (m: Map<number, number>, k: number): number => m.get(k) ?? 0;

// Attacks and a media call share 2 loaded cores with the server: room for them.
describe('hostile signaling traffic against the real serve', { timeout: 120_000 }, () => {
  it('a client that never reads is closed (4005) while events keep coming; its session is parked', async () => {
    // A fast driver (its own frames must not be rate limited) makes the events for the victim.
    const { s, baseMb } = await server(['--message-rate', '1000000/1000000', '--byte-rate', '1000000000/1000000000']);
    const dropped = limitSeen(s, 'send-buffer', 4005);
    const slow = await joined(s, 'noisy', 'slow');
    const driver = await joined(s, 'noisy', 'd'.repeat(120)); // long ids: bigger events
    expect((await driver.c.request('publish', { screen: false })).ok).toBe(true);
    (slow.c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let toggles = 0;
    const { peakMb } = await during(
      s,
      async (running) => {
        while (running()) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => driver.c.request('muteLocal', { audio: (toggles + i) % 2 === 0, video: false })));
          toggles += 100;
        }
      },
      () => toggles,
      1000,
      dropped,
    );
    afterwards(s, baseMb, peakMb);
    // Reading again, the client finds what the kernel held, then the close frame.
    (slow.c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.c.waitClose()).code).toBe(4005);
    expect(slow.c.lastSeq).toBeLessThan(toggles);
    driver.c.ws.terminate();
  });

  it('floods: frames over the rate get RATE_LIMITED, then the socket is closed (4006)', async () => {
    const { s, baseMb } = await server();
    const t = tally();
    const { peakMb } = await during(
      s,
      (running) => hammer(s.url, t, 4, running, (i) => (i % 2 ? JSON.stringify({ v: 1, type: 'ping', t: i }) : JSON.stringify({ v: 1, id: i, type: 'leave' }))),
      () => t.sent,
      1000,
      () => count(t.closes, 4006) >= 2,
    );
    afterwards(s, baseMb, peakMb);
    expect(count(t.codes, CODES.RATE_LIMITED)).toBeGreaterThan(0);
    expect(count(t.closes, 4006)).toBeGreaterThanOrEqual(2);
  });

  it('nested and oversized frames: 1 MiB ones are refused by ws from the header (1009), 60 KiB nested ones unparsed (PROTOCOL_ERROR)', async () => {
    const { s, baseMb } = await server();
    const big = Buffer.from('['.repeat(1024 * 1024));
    const nested = `{"v":1,"id":1,"type":"report","items":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const t1 = tally();
    const t2 = tally();
    const { peakMb } = await during(
      s,
      async (running) => {
        await Promise.all([hammer(s.url, t1, 2, running, () => big, { burst: 1 }), hammer(s.url, t2, 2, running, () => nested, { burst: 5 })]);
      },
      () => t1.sent + t2.sent,
      20,
      () => count(t1.closes, 1009) >= 4 && count(t2.codes, CODES.PROTOCOL_ERROR) >= 10,
    );
    afterwards(s, baseMb, peakMb);
    expect(count(t1.closes, 1009)).toBeGreaterThanOrEqual(4);
    expect(count(t2.codes, CODES.PROTOCOL_ERROR)).toBeGreaterThanOrEqual(10);
  });

  it('junk: invalid UTF-8, binary frames, broken JSON and wrong shapes', async () => {
    const { s, baseMb } = await server();
    const shapes = [
      '{',
      'null',
      '[]',
      '"x"',
      '{"v":1}',
      '{"v":1,"id":-1,"type":"join"}',
      '{"v":1,"id":3,"type":"join","token":{}}',
      '{"v":2,"id":4,"type":"leave"}',
      '\u0000',
    ];
    const t1 = tally();
    const t2 = tally();
    const t3 = tally();
    const { peakMb } = await during(
      s,
      async (running) => {
        await Promise.all([
          hammer(s.url, t1, 1, running, () => Buffer.from([0xff, 0xfe, 0xc3, 0x28]), { burst: 1 }), // invalid UTF-8: close 1007
          hammer(s.url, t2, 1, running, () => randomBytes(64), { binary: true, burst: 5 }),
          hammer(s.url, t3, 2, running, (i) => shapes[i % shapes.length]!, { burst: 5 }),
        ]);
      },
      () => t1.sent + t2.sent + t3.sent,
      50,
      () => count(t1.closes, 1007) >= 3 && count(t2.codes, CODES.PROTOCOL_ERROR) >= 5 && count(t3.codes, CODES.PROTOCOL_ERROR) >= 5,
    );
    afterwards(s, baseMb, peakMb);
    expect(count(t1.closes, 1007)).toBeGreaterThanOrEqual(3);
    expect(count(t3.codes, CODES.INVALID_PARAMS)).toBeGreaterThan(0);
  });

  it('many sockets from one address: refused at the upgrade (429) past the cap; other addresses connect', async () => {
    const { s, baseMb } = await server(['--trust-proxy', '--max-sockets-per-address', '50']);
    const t = tally();
    const held: WebSocket[] = [];
    const { peakMb } = await during(
      s,
      async (running) => {
        while (running()) {
          const ws = await attacker(s.url, t, { 'x-forwarded-for': '203.0.113.7' });
          t.sent++;
          if (ws) held.push(ws);
          else await new Promise((r) => setTimeout(r, 5));
        }
      },
      () => t.sent,
      60,
      () => count(t.refusedUpgrades, 429) >= 20,
    );
    // The cap held: never more than 50 open at once from that address.
    expect(held.filter((w) => w.readyState === WebSocket.OPEN).length).toBeLessThanOrEqual(50);
    const other = await RawClient.connect(s.url, { 'x-forwarded-for': '198.51.100.1' });
    other.ws.terminate();
    for (const w of held) w.terminate();
    afterwards(s, baseMb, peakMb);
  });

  it('report floods under ever new user ids: storage stays within its byte limit (an estimate of heap)', async () => {
    // Rates raised so the flood is as large as this machine can send; the store limit lowered so
    // the bound shows well within the test's time.
    const { s, baseMb } = await server([
      '--trust-proxy',
      '--message-rate',
      '1000000/1000000',
      '--byte-rate',
      '1000000000/1000000000',
      '--report-bytes-total',
      String(8 * 1024 * 1024),
    ]);
    let bytesSent = 0;
    let users = 0;
    const items = Array.from({ length: 14 }, (_, i) => ({
      kind: 'pusherNet',
      at: i,
      info: Object.fromEntries(Array.from({ length: 32 }, (_, k) => [`f${k}`, 's'.repeat(120)])),
    }));
    const { peakMb } = await during(
      s,
      async (running) => {
        await Promise.all(
          Array.from({ length: 8 }, async (_, a) => {
            while (running()) {
              const id = `flooder${a}x${users++}`;
              const u = await joined(s, `reports-${id}`, id, { 'x-forwarded-for': `203.0.113.${a + 1}` });
              for (let b = 0; b < 20 && running(); b++) {
                const frame = JSON.stringify({ v: 1, id: b + 1, type: 'report', items });
                bytesSent += frame.length;
                const r = await new Promise<unknown>((resolve) => {
                  u.c.ws.send(frame);
                  resolve(u.c.waitFor((f) => f.type === 'response' && f.id === b + 1));
                });
                if (!(r as { ok?: boolean }).ok) throw new Error(`report refused: ${JSON.stringify(r)}`);
              }
              u.c.ws.terminate();
            }
          }),
        );
      },
      () => bytesSent,
      1_000_000,
      () => bytesSent > 200 * 1024 * 1024,
    );
    console.log(
      `[hostile/signaling] reports: ${(bytesSent / 1048576).toFixed(0)} MiB sent under ${users} user ids, rss peak +${(peakMb - baseMb).toFixed(1)} MiB`,
    );
    // What the store keeps is bounded; the garbage of parsing 200 MiB is V8's until it collects.
    const t0 = Date.now();
    while (treeRssMb(s.pid) - baseMb >= BOUND_MB && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 500));
    console.log(`[hostile/signaling] reports: rss +${(treeRssMb(s.pid) - baseMb).toFixed(1)} MiB after ${Date.now() - t0} ms`);
    afterwards(s, baseMb, treeRssMb(s.pid));
  });

  it('token guessing behind a proxy (--trust-proxy): the guesser is limited by its address and by the guessed id, other users join', async () => {
    const { s, baseMb } = await server(['--trust-proxy', '--join-rate', '20/60000', '--token-refusals', '5/60000']);
    const t = tally();
    let guesses = 0;
    const { peakMb } = await during(
      s,
      async (running) => {
        // One source guessing many ids, and a botnet (many addresses) guessing one id.
        const one = await RawClient.connect(s.url, { 'x-forwarded-for': '203.0.113.66' });
        let n = 0;
        while (running()) {
          const fromOne = await one.request('join', {
            appId: s.appId,
            token: `001${randomBytes(40).toString('base64')}`,
            roomId: 'vault',
            userId: `user${n % 50}`,
            visible: true,
          });
          const bot = await RawClient.connect(s.url, { 'x-forwarded-for': `198.18.${(n >> 8) & 255}.${n & 255}` });
          const fromBot = await bot.request('join', {
            appId: s.appId,
            token: `001${randomBytes(40).toString('base64')}`,
            roomId: 'vault',
            userId: 'alice',
            visible: true,
          });
          bot.ws.terminate();
          for (const f of [fromOne, fromBot]) if (f.error) t.codes.set(f.error.code, (t.codes.get(f.error.code) ?? 0) + 1);
          n++;
          guesses = n;
        }
        one.ws.terminate();
      },
      () => guesses,
      10,
      () => count(t.codes, CODES.RATE_LIMITED) >= 20,
    );
    afterwards(s, baseMb, peakMb);
    expect(count(t.codes, CODES.TOKEN_INVALID) + count(t.codes, CODES.TOKEN_MISMATCH)).toBeGreaterThan(0);
    expect(count(t.codes, CODES.RATE_LIMITED)).toBeGreaterThanOrEqual(20);
    // Users behind the same proxy, from their own addresses, are not locked out.
    const bob = await joined(s, 'vault', 'bob', { 'x-forwarded-for': '203.0.113.67' });
    bob.c.ws.terminate();
  });
});
