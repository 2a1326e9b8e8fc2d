// A recording MediaPlane: the layer below room state, faked for tests of the rooms and the
// signaling server. It records every call and can emit relay events on demand.
import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../../src/media/plane.js';

export type MediaCall =
  | { call: 'issuePushUrl'; key: StreamKey; expireAt: number }
  | { call: 'issuePlayUrl'; key: StreamKey; subscriberId: string; options: PlayOptions; expireAt: number }
  | { call: 'endPush'; key: StreamKey; reason: string }
  | { call: 'setPlayPaused'; key: StreamKey; subscriberId: string; paused: boolean }
  | { call: 'endPlay'; key: StreamKey; subscriberId: string }
  | { call: 'extendUrl'; key: StreamKey; subscriberId: string | null; expireAt: number };

const name = (k: StreamKey): string => `${k.appId}/${k.roomId}/${k.userId}/${k.screen ? 'screen' : 'main'}`;

export class RecordingMediaPlane implements MediaPlane {
  calls: MediaCall[] = [];
  started = false;
  stopped = false;
  private listeners = new Set<(e: MediaEvent) => void>();

  start(): Promise<void> {
    this.started = true;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  issuePushUrl(key: StreamKey, expireAt: number): string {
    this.calls.push({ call: 'issuePushUrl', key, expireAt });
    return `rtmp://media.test/push/${name(key)}`;
  }
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    this.calls.push({ call: 'issuePlayUrl', key, subscriberId, options, expireAt });
    return `rtmp://media.test/play/${name(key)}?sub=${subscriberId}`;
  }
  endPush(key: StreamKey, reason: string): void {
    this.calls.push({ call: 'endPush', key, reason });
  }
  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    this.calls.push({ call: 'setPlayPaused', key, subscriberId, paused });
  }
  endPlay(key: StreamKey, subscriberId: string): void {
    this.calls.push({ call: 'endPlay', key, subscriberId });
  }
  /** Set to make extendUrl hand out a new URL (a plane whose URLs cannot be extended in place). */
  newUrlOnExtend = false;
  extendUrl(key: StreamKey, subscriberId: string | null, expireAt: number): string | null {
    this.calls.push({ call: 'extendUrl', key, subscriberId, expireAt });
    if (!this.newUrlOnExtend) return null;
    return subscriberId === null
      ? `rtmp://media.test/push/${name(key)}?exp=${expireAt}`
      : `rtmp://media.test/play/${name(key)}?sub=${subscriberId}&exp=${expireAt}`;
  }
  onEvent(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e: MediaEvent): void {
    for (const l of this.listeners) l(e);
  }
  of<K extends MediaCall['call']>(call: K): Extract<MediaCall, { call: K }>[] {
    return this.calls.filter((c): c is Extract<MediaCall, { call: K }> => c.call === call);
  }
}
