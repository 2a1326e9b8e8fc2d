// node-media-server forwards media from any RTMP connection attached to a stream, including a
// player and a publisher it has just refused. These tests speak raw RTMP (with the relay's own
// client class) to check that the plane closes both holes: only the accepted publisher's media
// ever reaches players. (The guard in front of the library now also closes a player that sends
// media; the library's own hooks would drop it as well.)

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelayMediaPlane } from '../../src/media/relay/index.js';
import { libraryClient, markedVideo, type LibraryClient } from './support/library-rtmp.js';
import { freshKey, inAMinute, SECRET } from './support/plane.js';

const plane = new RelayMediaPlane({ logLevel: 'silent', secret: SECRET, pushTimeoutMs: 60_000 });
const clients: LibraryClient[] = [];
beforeAll(() => plane.start());
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(() => plane.stop());

async function open(url: string): Promise<{ client: LibraryClient; name: string }> {
  const opened = await libraryClient(url);
  clients.push(opened.client);
  return opened;
}

/** A raw player that records the marker byte of every video message it receives. */
async function markerPlayer(url: string): Promise<number[]> {
  const { client, name } = await open(url);
  const markers: number[] = [];
  client.onPacketCallback = (p) => {
    if (p.codec_type === 9) markers.push(p.data[5] ?? -1);
  };
  await client.sendPlay(name);
  return markers;
}

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
}

const INTRUDER = 0xaa;
const PUBLISHER = 0xbb;

async function publishMarkers(url: string): Promise<void> {
  const { client, name } = await open(url);
  await client.sendPublish(name);
  for (let i = 0; i < 5; i++) client.sendPacket(markedVideo(PUBLISHER, i * 40));
}

describe('RelayMediaPlane media injection', () => {
  it('ignores media sent by a player', async () => {
    const key = freshKey();
    const victim = await markerPlayer(plane.issuePlayUrl(key, 'victim', { audio: true, video: true }, inAMinute()));
    const { client: intruder, name } = await open(plane.issuePlayUrl(key, 'intruder', { audio: true, video: true }, inAMinute()));
    await intruder.sendPlay(name);
    const closed = new Promise<void>((resolve) => (intruder.onCloseCallback = () => resolve()));
    for (let i = 0; i < 5; i++) intruder.sendPacket(markedVideo(INTRUDER, i * 40));
    // A player that sends media is cut off.
    await closed;

    await publishMarkers(plane.issuePushUrl(key, inAMinute()));
    await until(() => victim.length >= 5, 'the publisher’s messages');
    expect(victim).toEqual([PUBLISHER, PUBLISHER, PUBLISHER, PUBLISHER, PUBLISHER]);
  });

  it('forwards nothing from a refused publisher, even bytes sent along with the publish', async () => {
    const key = freshKey();
    const playUrl = plane.issuePlayUrl(key, 'victim', { audio: true, video: true }, inAMinute());
    const victim = await markerPlayer(playUrl);
    const { client: intruder, name } = await open(playUrl);
    const closed = new Promise<void>((resolve) => (intruder.onCloseCallback = () => resolve()));
    intruder.socket!.cork();
    intruder.sendPublish(name).catch(() => undefined);
    for (let i = 0; i < 5; i++) intruder.sendPacket(markedVideo(INTRUDER, i * 40));
    intruder.socket!.uncork();
    await closed;

    await publishMarkers(plane.issuePushUrl(key, inAMinute()));
    await until(() => victim.length >= 5, 'the publisher’s messages');
    expect(victim).toEqual([PUBLISHER, PUBLISHER, PUBLISHER, PUBLISHER, PUBLISHER]);
  });
});
