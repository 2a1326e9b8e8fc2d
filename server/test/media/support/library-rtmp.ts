// node-media-server's own RTMP client, for tests that need a well-behaved publisher or player
// (or one that misbehaves only in what it sends after a valid start).

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

export interface LibraryPacket {
  codec_type: number;
  flags: number;
  dts: number;
  pts: number;
  size: number;
  data: Buffer;
}

/** node-media-server's own RTMP client: a well-behaved publisher or player. */
export interface LibraryClient {
  socket: Socket | null;
  onPacketCallback: (packet: LibraryPacket) => void;
  onCloseCallback: (hadError: boolean) => void;
  connect(url: string): Promise<void>;
  sendConnect(): Promise<unknown>;
  sendCreateStream(): Promise<number>;
  sendPlay(name: string): Promise<unknown>;
  sendPublish(name: string): Promise<unknown>;
  sendPacket(packet: LibraryPacket): void;
  disconnect(): void;
}
export const LibraryRtmpClient = require('node-media-server/src/protocol/rtmp_client.js') as new () => LibraryClient;

/** A keyframe-looking video message carrying a marker byte. */
export function markedVideo(marker: number, dts: number): LibraryPacket {
  const data = Buffer.from([0x17, 0x01, 0, 0, 0, marker, 0, 0, 0, 0]);
  return { codec_type: 9, flags: 3, dts, pts: dts, size: data.length, data };
}

/** Opens a library client on an issued URL up to (not including) publish / play. */
export async function libraryClient(url: string): Promise<{ client: LibraryClient; name: string }> {
  const client = new LibraryRtmpClient();
  const parsed = new URL(url);
  await client.connect(url);
  await client.sendConnect();
  await client.sendCreateStream();
  return { client, name: `${parsed.pathname.split('/')[2]}${parsed.search}` };
}
