// Runs the vendor-style apps in apps/ as WeChat would: a temp copy of the app with the built
// SDK file in libs/ and the configure line pointed at the test server, one "phone" per person
// (test/dropin/miniprogram.ts), and the app's token backend answered by the test.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RunningServer, ServerConfig } from '../../server/src/index.js';
import { RelayMediaPlane } from '../../server/src/media/relay/index.js';
import { killAll } from '../../server/test/media/support/av.js';
import { startPhone, type PageInstance, type Phone } from '../dropin/miniprogram.js';
import { buildDropIn, removeTempDirs, tempDir } from '../dropin/support.js';
import { startRealServer } from '../support/real-server.js';

export const APPS = join('test', 'compat', 'apps');
/** The server URL the apps' configure line names; the test points it at its own server. */
export const PLACEHOLDER_SERVER = 'wss://rtc.example.com';

/**
 * An app (`base`, the meeting app by default), with `overlay` (another app's files, e.g.
 * long-meeting's page) copied over it, the built SDK in libs/, and the configure line naming
 * `serverUrl`.
 */
export function assembleApp(builtDir: string, serverUrl: string, overlay?: string, base = 'meeting'): string {
  const dir = tempDir('mprtc-compat-');
  cpSync(join(APPS, base), dir, { recursive: true });
  if (overlay) cpSync(join(APPS, overlay), dir, { recursive: true });
  cpSync(join(builtDir, 'VolcEngineRTC_MiniApp.js'), join(dir, 'libs', 'VolcEngineRTC_MiniApp.js'));
  const appJs = join(dir, 'app.js');
  const source = readFileSync(appJs, 'utf8');
  if (!source.includes(PLACEHOLDER_SERVER)) throw new Error('app.js has no configure line to point at the test server');
  writeFileSync(appJs, source.replace(PLACEHOLDER_SERVER, serverUrl));
  return dir;
}

export interface Person {
  phone: Phone;
  page: PageInstance;
  /** How many tokens the backend handed this person. */
  tokens: () => number;
}

/**
 * A phone running the app's `route` (the call page by default) as `userId`; `mint` stands in for the app's backend
 * (wx.request in the real app), called for the join token and for each renewal.
 */
export function openCall(root: string, roomId: string, userId: string, mint: (roomId: string, userId: string) => string, route = 'pages/call/call'): Person {
  const phone = startPhone(root);
  let handed = 0;
  phone.app.globalData.getToken = (room: string, user: string, callback: (token: string) => void) => {
    handed++;
    // An answer from the network: never within the caller's own turn.
    setTimeout(() => callback(mint(room, user)), 0);
  };
  const page = phone.open(route, { roomId, userId });
  return { phone, page, tokens: () => handed };
}

/** The page's event log entries of one type ("peer-leave alice" -> type "peer-leave"). */
export function eventsOf(page: PageInstance, type: string): string[] {
  return (page.data.events as string[]).filter((e) => e.split(' ')[0] === type);
}

/** What a compat suite runs against; filled in by its beforeAll. */
export interface CompatSuite {
  /** The real server with the real embedded relay. */
  server: RunningServer;
  /** The folder holding the built single file. */
  built: string;
  /** Phones to close after each test (their pages' onUnload runs the app's teardown). */
  opened: Person[];
}

/**
 * The hooks every compat suite shares: the built SDK file and a real server with the embedded
 * relay before all, media and phones stopped after each test, the server and temp dirs after all.
 * Nothing starts when `enabled` is false (a program the suite needs is missing).
 */
export function compatSuite(enabled: boolean, serverOptions: Omit<Partial<ServerConfig>, 'media'> = {}): CompatSuite {
  const suite = { opened: [] as Person[] } as CompatSuite;
  beforeAll(async () => {
    if (!enabled) return;
    suite.built = buildDropIn();
    const media = new RelayMediaPlane({ secret: 'compat-relay-secret', logLevel: 'silent', pushTimeoutMs: 60_000 });
    suite.server = await startRealServer({ ...serverOptions, media });
  });
  afterAll(async () => {
    await suite.server?.close();
    removeTempDirs();
  });
  afterEach(async () => {
    await killAll();
    for (const p of suite.opened.splice(0)) p.page.onUnload();
  });
  return suite;
}

/** The lines of an app's app.js that name the SDK: vendor code plus our configure line has exactly one. */
export function sdkLines(app: string): string[] {
  return readFileSync(join(APPS, app, 'app.js'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('VolcEngineRTC_MiniApp'));
}

/** The one line an app.js may add to vendor code. */
export const CONFIGURE_LINE = /^require\('\.\/libs\/VolcEngineRTC_MiniApp'\)\.configure\(\{ server: '[^']+' \}\);$/;
