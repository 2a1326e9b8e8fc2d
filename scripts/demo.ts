// npm start: the whole path on embedded defaults. Starts the signaling server with the embedded
// RTMP relay on loopback, then two scripted clients (alice, bob) walk through join, publish,
// subscribe, mute, unpublish and leave, printing each event as it arrives. When ffmpeg is
// installed, alice's push URL carries a real test pattern with tone and bob's play URL is read
// back frame by frame. Exits 0 when every step did what it should.
//   npm start -- --keep    keep alice pushing and print URLs to watch with any RTMP / FLV player
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
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

function pushTestPattern(url: string, seconds: number | null): ChildProcess {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'];
  if (seconds !== null) args.push('-t', String(seconds));
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', url);
  return spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Reads a play URL for a few seconds; returns the video and audio frames decoded. */
function readFrames(url: string, seconds: number): Promise<{ video: number; audio: number }> {
  return new Promise((resolve) => {
    const p = spawn('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', '-read_intervals', `%+${seconds}`, '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'csv=p=0', url]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const kill = setTimeout(() => p.kill('SIGKILL'), (seconds + 10) * 1000);
    p.on('close', () => {
      clearTimeout(kill);
      const count = (type: string) => out.split('\n').filter((l) => l.startsWith(type)).reduce((n, l) => n + Number(l.split(',')[1] ?? 0), 0);
      resolve({ video: count('video'), audio: count('audio') });
    });
  });
}

async function main(): Promise<void> {
  const relay = new RelayMediaPlane({ secret: randomBytes(24).toString('base64url'), host: '127.0.0.1', rtmpPort: 0, httpPort: 0 });
  const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY }, media: relay });
  log('server', `signaling ${server.url}, RTMP relay on port ${relay.ports.rtmp}`);
  const pushers: ChildProcess[] = [];
  try {
    const alice = new Client({ server: server.url });
    const bob = new Client({ server: server.url });
    for (const [who, c] of [['alice', alice], ['bob', bob]] as const) {
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
    if (hasFfmpeg) pushers.push(pushTestPattern(pushUrl, keep ? null : 8));
    else log('alice', 'ffmpeg not installed: no media is pushed (apt-get install ffmpeg to see frames)');
    await added;

    const playUrl = await bob.subscribe('alice', { audio: true, video: true });
    log('bob', `subscribe -> play URL ${playUrl}`);
    if (hasFfmpeg) {
      const frames = await readFrames(playUrl, 3);
      log('bob', `read the play URL for 3 s: ${frames.video} video and ${frames.audio} audio frames decoded`);
      if (frames.video === 0 || frames.audio === 0) throw new Error('no frames reached the subscriber');
    }
    if (keep) {
      const flv = relay.issuePlayUrls({ appId: APP_ID, roomId: ROOM, userId: 'alice', screen: false }, 'viewer', { audio: true, video: true }, Math.floor(Date.now() / 1000) + 3600);
      console.log(`\nWatch alice with any player for the next hour:\n  ffplay "${flv.rtmp}"${flv.flv ? `\n  ffplay "${flv.flv}"` : ''}\nCtrl-C to stop.`);
      await new Promise((r) => process.once('SIGINT', r));
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
    log('demo', 'done: every step worked');
  } finally {
    for (const p of pushers) p.kill('SIGKILL');
    await server.close();
    await relay.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
    process.exit(1);
  },
);
