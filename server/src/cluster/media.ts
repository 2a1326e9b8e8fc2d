// Media across nodes. Each node's relay holds what was pushed to it, and a URL names the relay
// that issued it, so the relay that holds a stream issues every URL for it: the publisher's node
// records itself as the stream's relay when it issues the push URL, and another node asks that
// node (over its pub/sub channel) for a subscriber's play URL, and forwards pauses and ends to it.
import type { Redis } from 'ioredis';
import type { MediaEvent, MediaPlane, PlayOptions, StreamKey } from '../media/plane.js';
import { StoreUnavailable } from '../store/errors.js';
import { keys, PREFIX, roomTag } from '../store/keys.js';

/** Which node's relay holds a stream (the room's slot, like the rest of the room). */
export const relayKey = (k: StreamKey): string => `${PREFIX}${roomTag(k)}:relay:${k.userId}|${k.screen ? 1 : 0}`;

type Op =
  | { op: 'play'; key: StreamKey; subscriberId: string; options: PlayOptions; expireAt: number }
  | { op: 'endPush'; key: StreamKey; reason: string }
  | { op: 'endPlay'; key: StreamKey; subscriberId: string }
  | { op: 'pause'; key: StreamKey; subscriberId: string; paused: boolean }
  | { op: 'extend'; key: StreamKey; subscriberId: string | null; expireAt: number };

interface Link {
  readonly nodeId: string;
  readonly redis: Redis;
  track(what: string, p: Promise<unknown>): void;
  /** The relay lives in this process: its streams are listed, to be failed if the node goes. */
  readonly mediaInProcess: boolean;
}

/** A stream in a node's list of streams its relay holds. */
export const streamMember = (k: StreamKey): string => JSON.stringify([k.appId, k.roomId, k.userId, k.screen]);

/** How long a node waits for another node's relay to issue a play URL. */
const ASK_MS = 3000;

export class ClusterMediaPlane implements MediaPlane {
  private next = 0;
  private readonly asked = new Map<string, { resolve: (url: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly local: MediaPlane,
    private readonly link: Link,
  ) {}

  start(): Promise<void> {
    return this.local.start();
  }

  stop(): Promise<void> {
    for (const a of this.asked.values()) {
      clearTimeout(a.timer);
      a.reject(new StoreUnavailable('the node is stopping'));
    }
    this.asked.clear();
    return this.local.stop();
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    return this.local.onEvent(listener);
  }

  issuePushUrl(key: StreamKey, expireAt: number): string {
    const url = this.local.issuePushUrl(key, expireAt);
    // Sent before the URL reaches the publisher: a subscriber can only ask after that.
    this.link.track('relay owner', this.link.redis.set(relayKey(key), this.link.nodeId));
    if (this.link.mediaInProcess) this.link.track('relay streams', this.link.redis.sadd(keys.nodeStreams(this.link.nodeId), streamMember(key)));
    return url;
  }

  /** Without the owner known synchronously, this node's relay (the owner's copy is issuePlayUrlAsync). */
  issuePlayUrl(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): string {
    return this.local.issuePlayUrl(key, subscriberId, options, expireAt);
  }

  /** A play URL from the relay that holds the stream, wherever that is. */
  async issuePlayUrlAsync(key: StreamKey, subscriberId: string, options: PlayOptions, expireAt: number): Promise<string> {
    const owner = await this.link.redis.get(relayKey(key));
    if (!owner || owner === this.link.nodeId) return this.local.issuePlayUrl(key, subscriberId, options, expireAt);
    return this.ask(owner, { op: 'play', key, subscriberId, options, expireAt });
  }

  endPush(key: StreamKey, reason: string): void {
    this.route(key, { op: 'endPush', key, reason }, true);
  }

  setPlayPaused(key: StreamKey, subscriberId: string, paused: boolean): void {
    this.route(key, { op: 'pause', key, subscriberId, paused });
  }

  endPlay(key: StreamKey, subscriberId: string): void {
    this.route(key, { op: 'endPlay', key, subscriberId });
  }

  /**
   * Renewal: the owner's relay extends the URL in place. Answered here without waiting, so a URL
   * that could only be replaced (not extended) is replaced on the owner without an UPDATE_URL.
   */
  extendUrl(key: StreamKey, subscriberId: string | null, expireAt: number): string | null {
    const mine = this.local.extendUrl(key, subscriberId, expireAt);
    this.route(key, { op: 'extend', key, subscriberId, expireAt }, false, true);
    return mine;
  }

  /** Runs an operation on the node whose relay holds the stream (here, when it is this node or none). */
  private route(key: StreamKey, op: Op, drop = false, elsewhereOnly = false): void {
    const p = (async () => {
      const owner = await this.link.redis.get(relayKey(key));
      if (owner && owner !== this.link.nodeId) {
        await this.link.redis.publish(keys.channel(owner), `m\n-\n${this.link.nodeId}\n${JSON.stringify(op)}`);
      } else if (!elsewhereOnly) this.run(op);
      if (drop && owner) await Promise.all([this.link.redis.del(relayKey(key)), this.link.redis.srem(keys.nodeStreams(owner), streamMember(key))]);
    })();
    this.link.track(`media ${op.op}`, p);
  }

  private ask(owner: string, op: Op): Promise<string> {
    const id = `${this.link.nodeId}.${++this.next}`;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asked.delete(id);
        reject(new StoreUnavailable(`the relay of node ${owner} did not answer within ${ASK_MS} ms`));
      }, ASK_MS);
      timer.unref?.();
      this.asked.set(id, { resolve, reject, timer });
      this.link.redis.publish(keys.channel(owner), `m\n${id}\n${this.link.nodeId}\n${JSON.stringify(op)}`).then(
        (receivers) => {
          // Nobody listens on that channel: the node is gone, and its relay with it.
          if (receivers === 0) this.settle(id, { ok: false, error: `node ${owner} is gone` });
        },
        (e: unknown) => this.settle(id, { ok: false, error: String(e), unavailable: true }),
      );
    });
  }

  // A node-to-node JSON answer (no error code travels: the asker rejects with an Error), so it
  // keeps its own wire shape rather than being a Result.
  private settle(id: string, r: { ok: true; url: string } | { ok: false; error: string; unavailable?: boolean }): void {
    const a = this.asked.get(id);
    if (!a) return;
    this.asked.delete(id);
    clearTimeout(a.timer);
    if (r.ok) a.resolve(r.url);
    else a.reject(r.unavailable ? new StoreUnavailable(r.error) : new Error(r.error));
  }

  /** A request from another node ('m') or the answer to ours ('a'). */
  onMessage(kind: 'm' | 'a', id: string, from: string, body: string): void {
    if (kind === 'a') {
      try {
        this.settle(id, JSON.parse(body) as { ok: true; url: string } | { ok: false; error: string });
      } catch {
        /* malformed: the ask times out */
      }
      return;
    }
    let op: Op;
    try {
      op = JSON.parse(body) as Op;
    } catch {
      return;
    }
    let answer: { ok: true; url: string } | { ok: false; error: string };
    try {
      const url = this.run(op);
      if (id === '-') return;
      answer = typeof url === 'string' ? { ok: true, url } : { ok: false, error: 'nothing issued' };
    } catch (e) {
      if (id === '-') return;
      answer = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    this.link.track('media answer', this.link.redis.publish(keys.channel(from), `a\n${id}\n${this.link.nodeId}\n${JSON.stringify(answer)}`));
  }

  private run(op: Op): string | null | void {
    switch (op.op) {
      case 'play':
        return this.local.issuePlayUrl(op.key, op.subscriberId, op.options, op.expireAt);
      case 'endPush':
        return this.local.endPush(op.key, op.reason);
      case 'endPlay':
        return this.local.endPlay(op.key, op.subscriberId);
      case 'pause':
        return this.local.setPlayPaused(op.key, op.subscriberId, op.paused);
      case 'extend':
        return void this.local.extendUrl(op.key, op.subscriberId, op.expireAt);
    }
  }
}
