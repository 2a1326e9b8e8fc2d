// npm start: the whole path on embedded defaults. Starts the signaling server with the embedded
// RTMP relay on loopback, then two scripted clients (alice, bob) walk through join, publish,
// subscribe, mute, unpublish and leave, printing each event as it arrives. When ffmpeg is
// installed, alice's push URL carries a real test pattern with tone and bob's play URL is read
// back frame by frame (ffprobe). Exits 0 when every step did what it should, and says which media
// steps it skipped for want of ffmpeg or ffprobe.
//   npm start -- --keep    keep alice pushing and print URLs to watch with any RTMP / FLV player;
//                          Ctrl-C (or SIGTERM to the PID): both leave, everything stops, exit 0
// Stopping by PID stops everything: the children are killed in cleanup(), and the relay's own
// process exits when this one does (its IPC channel closes).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { WebSocket } from 'ws';
import { generateToken, startServer } from '../server/src/index.js';
import { RelayMediaPlane } from '../server/src/media/relay/index.js';
import { Client, EVENTS, type EventName } from '../src/index.js';

// Node 20 has no global WebSocket; a mini-program uses wx.connectSocket instead.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const APP_ID = 'mprtc0demo0app0000000000';
const APP_KEY = randomBytes(16).toString('hex');
const ROOM = 'demo-room';
const keep = process.argv.includes('--keep');
const found = (program: string): boolean => spawnSync(program, ['-version'], { stdio: 'ignore' }).status === 0;
const hasFfmpeg = found('ffmpeg');
// ffprobe comes with the ffmpeg package, but a custom build may lack it: then nothing is read back.
const hasFfprobe = hasFfmpeg && found('ffprobe');
const t0 = Date.now();
const log = (who: string, text: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s  ${who.padEnd(6)} ${text}`);

function token(userId: string): string {
  return generateToken({ appId: APP_ID, appKey: APP_KEY, roomId: ROOM, userId, expireAt: 0, publishExpireAt: 0, subscribeExpireAt: 0 });
}

/** Resolves with the next payload of `event` on `client` (and fails the demo if it never comes). */
function next(client: Client, who: string, event: EventName, ms = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who} never heard ${event}`)), ms);
    const once = (payload: unknown) => {
      clearTimeout(timer);
      client.off(event, once);
      resolve(payload);
    };
    client.on(event, once);
  });
}

// ffmpeg and ffprobe run in their own process groups: a Ctrl-C in the terminal reaches this
// process only, which stops them in order (pushers before the relay, so nothing writes to a
// closed socket and no "Broken pipe" reaches the terminal).
const children = new Set<ChildProcess>();
const stopping = new Set<ChildProcess>();

function child(program: string, args: string[]): ChildProcess {
  const p = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(p);
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  p.on('error', (e) => log('demo', `${program} could not start: ${e.message}`));
  p.on('exit', (code) => {
    children.delete(p);
    if (!stopping.has(p) && code !== 0 && code !== null) log('demo', `${program} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  });
  return p;
}

/** Kills the children and waits until they are gone. */
async function stopChildren(): Promise<void> {
  await Promise.all(
    [...children].map((p) => {
      stopping.add(p);
      if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      return gone;
    }),
  );
}

function pushTestPattern(url: string, seconds: number | null): ChildProcess {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=15',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
  ];
  if (seconds !== null) args.push('-t', String(seconds));
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', url);
  return child('ffmpeg', args);
}

/** Reads a play URL for a few seconds; returns the video and audio frames decoded. */
function readFrames(url: string, seconds: number): Promise<{ video: number; audio: number }> {
  return new Promise((resolve) => {
    const p = child('ffprobe', [
      '-v',
      'error',
      '-rw_timeout',
      '5000000',
      '-read_intervals',
      `%+${seconds}`,
      '-count_frames',
      '-show_entries',
      'stream=codec_type,nb_read_frames',
      '-of',
      'csv=p=0',
      url,
    ]);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const kill = setTimeout(() => p.kill('SIGKILL'), (seconds + 10) * 1000);
    p.on('close', () => {
      clearTimeout(kill);
      const count = (type: string) =>
        out
          .split('\n')
          .filter((l) => l.startsWith(type))
          .reduce((n, l) => n + Number(l.split(',')[1] ?? 0), 0);
      resolve({ video: count('video'), audio: count('audio') });
    });
  });
}

// Ctrl-C, SIGTERM or SIGHUP: with --keep the first one ends the wait for it (both leave, the
// demo stops and exits 0); otherwise everything is stopped and the demo exits 128+signal.
let endKeep: (() => void) | null = null;
let shutdown: () => Promise<void> = async () => {};
let signals = 0;
let lastSignalAt = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    // Under `npm start` a Ctrl-C arrives twice (from the terminal, and forwarded by npm): one stop.
    if (Date.now() - lastSignalAt < 1000) return;
    lastSignalAt = Date.now();
    signals++;
    if (endKeep && signals === 1) return endKeep();
    if (signals > 2) process.exit(1); // a third one: the user means it
    log('demo', `${sig}: stopping`);
    void shutdown().finally(() => process.exit(keep ? 0 : 128 + constants.signals[sig]));
  });
}

async function main(): Promise<void> {
  const relay = new RelayMediaPlane({ secret: randomBytes(24).toString('base64url'), host: '127.0.0.1', rtmpPort: 0, httpPort: 0 });
  const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY }, media: relay });
  let closing: Promise<void> | null = null;
  // Pushers and readers first, then signaling, then the relay: nothing is left writing to a closed socket.
  shutdown = () =>
    (closing ??= stopChildren()
      .then(() => server.close())
      .then(() => relay.stop()));
  log('server', `signaling ${server.url}, RTMP relay on port ${relay.ports.rtmp}`);
  try {
    const alice = new Client({ server: server.url });
    const bob = new Client({ server: server.url });
    for (const [who, c] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      for (const e of Object.values(EVENTS)) if (e !== EVENTS.CONNECTION_STATE_CHANGED) c.on(e, (p: unknown) => log(who, `event ${e} ${JSON.stringify(p)}`));
    }

    await alice.init(APP_ID);
    await bob.init(APP_ID);
    log('alice', `joined as ${await alice.join(token('alice'), ROOM, 'alice')}`);
    const bobSeesAlice = next(bob, 'bob', EVENTS.PEER_ONLINE);
    log('bob', `joined as ${await bob.join(token('bob'), ROOM, 'bob')}`);
    await bobSeesAlice;

    const added = next(bob, 'bob', EVENTS.STREAM_ADDED);
    const pushUrl = await alice.publish();
    log('alice', `publish -> push URL ${pushUrl}`);
    if (hasFfmpeg) pushTestPattern(pushUrl, keep ? null : 8);
    else log('alice', 'ffmpeg not installed: no media is pushed (sudo apt-get install ffmpeg to see frames)');
    await added;

    const playUrl = await bob.subscribe('alice', { audio: true, video: true });
    log('bob', `subscribe -> play URL ${playUrl}`);
    if (hasFfmpeg && !hasFfprobe) log('bob', 'ffprobe not found: the play URL is not read back (it comes with the ffmpeg package)');
    if (hasFfprobe) {
      const frames = await readFrames(playUrl, 3);
      log('bob', `read the play URL for 3 s: ${frames.video} video and ${frames.audio} audio frames decoded`);
      if (frames.video === 0 || frames.audio === 0) throw new Error('no frames reached the subscriber');
    }
    if (keep) {
      const flv = relay.issuePlayUrls(
        { appId: APP_ID, roomId: ROOM, userId: 'alice', screen: false },
        'viewer',
        { audio: true, video: true },
        Math.floor(Date.now() / 1000) + 3600,
      );
      console.log(`\nWatch alice with any player for the next hour:\n  ffplay "${flv.rtmp}"${flv.flv ? `\n  ffplay "${flv.flv}"` : ''}\nCtrl-C to stop.`);
      await new Promise<void>((r) => (endKeep = r));
      endKeep = null;
      // A terminal's Ctrl-C reaches the whole process group, the relay's process too: leave
      // without relying on the media plane, then stop everything in order.
      for (const p of children) stopping.add(p);
      log('demo', 'stopping: both leave, then the server and the relay stop');
      await Promise.allSettled([alice.leave(), bob.leave()]);
      await Promise.all([alice.destroy(), bob.destroy()]);
      log('demo', 'stopped cleanly');
      return;
    }

    const muted = next(bob, 'bob', EVENTS.MUTE_AUDIO);
    await alice.muteLocal({ audio: true, video: false });
    await muted;
    const unmuted = next(bob, 'bob', EVENTS.UNMUTE_AUDIO);
    await alice.muteLocal({ audio: false, video: false });
    await unmuted;
    await bob.muteRemote('alice', { audio: true, video: true });
    log('bob', 'muteRemote: the relay stops delivering alice to bob');
    await bob.muteRemote('alice', { audio: false, video: false });
    log('bob', 'muteRemote off: delivery resumes');

    const removed = next(bob, 'bob', EVENTS.STREAM_REMOVED);
    for (const p of children) stopping.add(p); // unpublishing ends the push: not an ffmpeg failure
    await alice.unpublish();
    log('alice', 'unpublished');
    await removed;

    const left = next(alice, 'alice', EVENTS.PEER_LEAVE);
    await bob.leave();
    log('bob', 'left');
    await left;
    await alice.leave();
    log('alice', 'left');
    await Promise.all([alice.destroy(), bob.destroy()]);
    if (hasFfprobe) log('demo', 'done: every step worked, media included');
    else if (hasFfmpeg) log('demo', 'done: every signaling step worked; media was pushed but not read back (no ffprobe)');
    else log('demo', 'done: every signaling step worked; media was skipped (ffmpeg not installed: sudo apt-get install ffmpeg)');
  } finally {
    await shutdown();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
    process.exit(1);
  },
);
