// Compiled (never run) against the published rollup, dist/VolcEngineRTC_MiniApp.d.ts, by
// public-types.test.ts. Lines under @ts-expect-error must NOT compile: if one starts compiling,
// tsc reports the unused directive and the test fails.
import { Client, ERROR_CODES, EVENTS, type StreamAddedEvent, type VolcEngineRTCError } from '../../dist/VolcEngineRTC_MiniApp.js';

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

export function callbackStyle(client: Client): void {
  client.init('app', () => {}, (err: VolcEngineRTCError) => console.log(err.code, err.reason));
  client.join('token', 'room', 'user', (uid) => uid.toUpperCase(), (err) => err.code);
  client.publish((url) => url.length);
  const nothing: void = client.leave(() => {});
  client.subscribe('u', { screen: true }, undefined, (err) => err.reason);
  void nothing;
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
  // @ts-expect-error: the callback form returns nothing to await for a value
  const url: string = client.publish(() => {});
  // @ts-expect-error: join needs a user id
  await client.join('token', 'room');
  // @ts-expect-error: error codes are numbers
  const code: string = ERROR_CODES.ROOM_FULL;
  void [url, code];
}
