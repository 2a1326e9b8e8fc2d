// Starts the project's real signaling server (server/) on loopback for end-to-end tests, and
// mints real AccessTokens for it.
import { startServer, type RunningServer, type ServerConfig } from '../../server/src/index.js';
import { token } from '../../server/test/support/client.js';

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

export type TokenOver = NonNullable<Parameters<typeof token>[2]>;

/** A token for the e2e app unless `over` names another; the server tests' helper does the minting. */
export function mintToken(roomId: string, userId: string, over: TokenOver = {}): string {
  return token(roomId, userId, { ...over, appId: over.appId ?? E2E_APP_ID, appKey: over.appKey ?? E2E_APP_KEY });
}
