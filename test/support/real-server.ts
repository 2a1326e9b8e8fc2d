// Starts the project's real signaling server (server/) on loopback for end-to-end tests, and
// mints real AccessTokens for it.
import { generateToken, startServer, type RunningServer, type ServerConfig } from '../../server/src/index.js';

export const E2E_APP_ID = 'e2e0app0id0for0runtime00';
export const E2E_APP_KEY = 'runtime-e2e-key';

export async function startRealServer(over: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    apps: { [E2E_APP_ID]: E2E_APP_KEY },
    // Tests join many times from one address: the per-IP join limit is not what they test.
    joinRateLimit: { max: 100_000, windowMs: 1_000 },
    ...over,
  });
}

export interface TokenOver {
  appId?: string;
  appKey?: string;
  expireAt?: number;
  /** Unix seconds; 0 = never; null = not granted. */
  publish?: number | null;
  subscribe?: number | null;
}

export function mintToken(roomId: string, userId: string, over: TokenOver = {}): string {
  return generateToken({
    appId: over.appId ?? E2E_APP_ID,
    appKey: over.appKey ?? E2E_APP_KEY,
    roomId,
    userId,
    expireAt: over.expireAt ?? 0,
    publishExpireAt: over.publish === undefined ? 0 : over.publish,
    subscribeExpireAt: over.subscribe === undefined ? 0 : over.subscribe,
  });
}
