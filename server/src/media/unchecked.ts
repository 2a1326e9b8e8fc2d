// The media plane used when the server is started without one: it hands out RTMP URLs for a
// relay run elsewhere and enforces nothing (no signing, no revocation). Fine for signaling
// development; production passes the embedded relay or another real MediaPlane.
import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from './plane.js';

const safe = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

export class UncheckedUrlPlane implements MediaPlane {
  constructor(private readonly base = 'rtmp://127.0.0.1:1935') {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  private name(key: StreamKey): string {
    // App and stream names of RTMP relays allow [A-Za-z0-9_-] only; ids may hold '@' and '.'.
    return `${safe(key.appId)}/${safe(key.roomId)}_${safe(key.userId)}_${key.screen ? 'screen' : 'main'}`;
  }
  issuePushUrl(key: StreamKey, expireAt: number): string {
    return `${this.base}/${this.name(key)}?exp=${expireAt}`;
  }
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    return `${this.base}/${this.name(key)}?sub=${safe(subscriberId)}&audio=${options.audio ? 1 : 0}&video=${options.video ? 1 : 0}&exp=${expireAt}`;
  }
  endPush(): void {}
  setPlayPaused(): void {}
  endPlay(): void {}
  /** Nothing is enforced, so the URLs already handed out keep working. */
  extendUrl(): null {
    return null;
  }
  onEvent(_listener: (event: MediaEvent) => void): () => void {
    return () => {};
  }
}
