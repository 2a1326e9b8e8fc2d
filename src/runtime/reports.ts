// Buffers what the app's <live-pusher>/<live-player> report and sends it in batches: one
// 'report' request per batch instead of one frame per netstatus tick (those fire every second).
import { startTimer, stopTimer, type TimerHandle } from './host.js';
import type { ReportItem } from '@mprtc/protocol';

/** Kept while not in a room; beyond this the oldest items are dropped. */
const MAX_BUFFERED = 500;

export interface ReportSink {
  /** Sends one batch; resolves when the server took it. */
  send(items: ReportItem[]): Promise<unknown>;
  /** Whether a batch can be sent now (in a room). */
  ready(): boolean;
  failed(err: unknown): void;
}

/** Whether JSON can carry the item (a BigInt or a cycle cannot). */
export function sendable(item: ReportItem): boolean {
  try {
    JSON.stringify(item);
    return true;
  } catch {
    return false;
  }
}

export class ReportBuffer {
  private items: ReportItem[] = [];
  private timer: TimerHandle | undefined;

  /** Set by init from the client's options (reportFlushMs, reportBatchSize). */
  flushMs = 5000;
  batchSize = 20;

  constructor(private readonly sink: ReportSink) {}

  get size(): number {
    return this.items.length;
  }

  add(item: ReportItem): void {
    this.items.push(item);
    if (this.items.length > MAX_BUFFERED) this.items.splice(0, this.items.length - MAX_BUFFERED);
    if (!this.sink.ready()) return;
    if (this.items.length >= this.batchSize) void this.flush();
    else this.arm();
  }

  /** Sends everything buffered now (in batches of batchSize); resolves when all were answered. */
  flush(): Promise<void> {
    stopTimer(this.timer);
    this.timer = undefined;
    if (!this.sink.ready() || this.items.length === 0) return Promise.resolve();
    const sends: Promise<unknown>[] = [];
    while (this.items.length) {
      const batch = this.items.splice(0, this.batchSize);
      sends.push(this.sink.send(batch).catch((e: unknown) => this.sink.failed(e)));
    }
    return Promise.all(sends).then(() => undefined);
  }

  /** Called on join: items reported before it go out with the first batch. */
  resume(): void {
    if (this.items.length >= this.batchSize) void this.flush();
    else if (this.items.length) this.arm();
  }

  /** Stops the timer and keeps the items (leave without a socket, destroy). */
  pause(): void {
    stopTimer(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    this.pause();
    this.items = [];
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = startTimer(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
  }
}
