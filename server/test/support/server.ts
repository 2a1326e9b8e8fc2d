import { afterEach } from 'vitest';
import type { ServerConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/signaling/server.js';
import { APP2_ID, APP2_KEY, APP_ID, APP_KEY, type RawClient } from './client.js';
import { RecordingMediaPlane } from './fake-media.js';

const running: { server: RunningServer; clients: RawClient[] }[] = [];

/** A real server on 127.0.0.1 with a recording media plane; closed after each test. */
export async function serve(over: Partial<ServerConfig> = {}) {
  const media = new RecordingMediaPlane();
  const server = await startServer({ port: 0, host: '127.0.0.1', apps: { [APP_ID]: APP_KEY, [APP2_ID]: APP2_KEY }, media, ...over });
  const entry = { server, clients: [] as RawClient[] };
  running.push(entry);
  return { server, media, url: server.url, track: (c: RawClient) => (entry.clients.push(c), c) };
}

afterEach(async () => {
  for (const { server, clients } of running.splice(0)) {
    for (const c of clients) c.ws.terminate();
    await server.close();
  }
});

export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
