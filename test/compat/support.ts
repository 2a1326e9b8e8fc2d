// Runs the vendor-style apps in apps/ as WeChat would: a temp copy of the app with the built
// SDK file in libs/ and the configure line pointed at the test server, one "phone" per person
// (test/dropin/miniprogram.ts), and the app's token backend answered by the test.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPhone, type PageInstance, type Phone } from '../dropin/miniprogram.js';
import { tempDir } from '../dropin/support.js';

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
