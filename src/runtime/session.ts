// What the client knows of its own room membership: enough to refuse calls the server would
// refuse anyway (publish twice, unsubscribe what was never subscribed) without a round trip.

export interface Subscription {
  uid: string;
  screen: boolean;
  audio: boolean;
  video: boolean;
}

const keyOf = (uid: string, screen: boolean): string => `${screen ? 's' : 'm'}:${uid}`;

export class Session {
  publishing = false;
  /** The last push failed (STREAM_FAILED) and no publish succeeded since. */
  pushFailed = false;
  pushUrl: string | undefined;
  readonly #subs = new Map<string, Subscription>();

  constructor(
    readonly roomId: string,
    readonly userId: string,
    readonly sessionId: string,
    readonly tokenExpireAt: number,
  ) {}

  subscribed(uid: string, screen: boolean): Subscription | undefined {
    return this.#subs.get(keyOf(uid, screen));
  }

  addSubscription(s: Subscription): void {
    this.#subs.set(keyOf(s.uid, s.screen), s);
  }

  removeSubscription(uid: string, screen: boolean): void {
    this.#subs.delete(keyOf(uid, screen));
  }

  /** A remote user left: none of their streams can still be played. */
  removeUser(uid: string): void {
    this.removeSubscription(uid, false);
    this.removeSubscription(uid, true);
  }

  get subscriptions(): Subscription[] {
    return [...this.#subs.values()];
  }
}
