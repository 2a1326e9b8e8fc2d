// Compiled (never run) against the published rollup, dist/VolcEngineRTC_MiniApp.d.ts, by
// public-types.test.ts. Lines under @ts-expect-error must NOT compile: if one starts compiling,
// tsc reports the unused directive and the test fails.
import { Client, configure, ERROR_CODES, EVENTS, type StreamAddedEvent, type VolcEngineRTCError } from '../../dist/VolcEngineRTC_MiniApp.js';

export async function promiseStyle(): Promise<void> {
  const client = new Client({ server: 'wss://rtc.example.com/signal' });
  await client.init('123456781234567812345678');
  const userId: string = await client.join('token', 'room', 'user');
  const pushUrl: string = await client.publish();
  const playUrl: string = await client.subscribe('other', { audio: true, video: false });
  const set: boolean = await client.setBusinessId('biz');
  await client.muteLocal({ audio: true, video: false });
  await client.muteRemote('other', { audio: true, video: true });
  await client.unsubscribe('other', {});
  await client.setUserVisibility(false);
  await client.leave();
  await client.destroy();
  void [userId, pushUrl, playUrl, set];
}

export function configureOnce(): Client {
  // app.js: the defaults every client starts from; the vendor's `new Client()` then works.
  configure({ server: 'wss://rtc.example.com/signal', requestTimeoutMs: 5000, reconnect: { maxAttempts: 3 } });
  // @ts-expect-error: configure takes ClientOptions, checked like the constructor's
  configure({ sever: 'wss://typo.example.com' });
  // @ts-expect-error: configure returns nothing to wait for
  void configure({}).then;
  return new Client();
}

export function callbackStyle(client: Client): void {
  client.init(
    'app',
    () => {},
    (err: VolcEngineRTCError) => console.log(err.code, err.reason),
  );
  client.join(
    'token',
    'room',
    'user',
    (uid) => uid.toUpperCase(),
    (err) => err.code,
  );
  client.publish((url) => url.length);
  // The callback form returns the same Promise (already handled): `.then` after it works.
  const same: Promise<void> = client.leave(() => {});
  client.join('token', 'room', 'user', undefined, (err) => err.code).then((uid) => uid.length);
  client.subscribe('u', { screen: true }, undefined, (err) => err.reason);
  client.subscribe('u', undefined, (url) => url.length);
  client.updateToken(
    'new token',
    () => {},
    (err) => err.code,
  );
  void same;
}

export async function optionalOptions(client: Client): Promise<void> {
  // Every field of SubOptions and UnsubscribeOptions has a default: the object may be left out.
  const url: string = await client.subscribe('u');
  await client.unsubscribe('u');
  await client.updateToken('new token');
  void url;
}

export function events(client: Client): void {
  client.on(EVENTS.STREAM_ADDED, (e) => {
    const added: StreamAddedEvent = e;
    const audio: boolean = e.streamPublishState.audio;
    void [added, audio];
  });
  client.on(EVENTS.UPDATE_URL, (e) => e.url.trim());
  client.on(EVENTS.DISCONNECT, (e) => e.code === ERROR_CODES.KICKED);
  client.on(EVENTS.ERROR, (e) => e.reason);
  const handler = (e: { uid: string }) => e.uid;
  client.on(EVENTS.PEER_ONLINE, handler);
  client.off(EVENTS.PEER_ONLINE, handler);
  client.once(EVENTS.TOKEN_WILL_EXPIRE, (e) => e.expireAt.toFixed());
  client.off(EVENTS.PEER_ONLINE);
  client.removeAllListeners(EVENTS.STREAM_ADDED);
  client.removeAllListeners();
  client.reportPusherStateChange(1002, 'pushing');
  client.reportPlayerNetStatusChange('u', { videoBitrate: 800, somethingNew: 1 });
}

export async function mustNotCompile(client: Client): Promise<void> {
  // @ts-expect-error: a misspelt option key
  await client.subscribe('u', { vidoe: true });
  // @ts-expect-error: muteLocal needs both audio and video
  await client.muteLocal({ audio: true });
  // @ts-expect-error: a handler typed for another event's payload
  client.on(EVENTS.STREAM_ADDED, (e: { url: string }) => e.url);
  // @ts-expect-error: not an event
  client.on('stream-adedd', () => {});
  // @ts-expect-error: the callback form returns the Promise, not the URL itself
  const url: string = client.publish(() => {});
  // @ts-expect-error: once is typed through the event map like on
  client.once(EVENTS.UPDATE_URL, (e: { expireAt: number }) => e.expireAt);
  // @ts-expect-error: not an event
  client.removeAllListeners('stream-adedd');
  // @ts-expect-error: updateToken needs the token
  await client.updateToken();
  // @ts-expect-error: join needs a user id
  await client.join('token', 'room');
  // @ts-expect-error: error codes are numbers
  const code: string = ERROR_CODES.ROOM_FULL;
  void [url, code];
}
