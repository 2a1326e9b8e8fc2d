// Buffers what the app's <live-pusher>/<live-player> report and sends it in batches: one
// 'report' request per batch instead of one frame per netstatus tick (those fire every second).
import { startTimer, stopTimer, type TimerHandle } from './host.js';
import type { ReportItem } from '@mprtc/protocol';

/** Kept while not in a room; beyond this the oldest items are dropped. */
const MAX_BUFFERED = 500;

/** Where batches go (the runtime). */
export interface ReportSink {
  /** Sends one batch; resolves when the server took it. */
  sendReports_(items: ReportItem[]): Promise<unknown>;
  /** Whether a batch can be sent now (in a room). */
  reportsReady_(): boolean;
  reportsFailed_(err: unknown): void;
  /** The client's options (set by init; nothing is buffered before it). */
  readonly options_: { reportFlushMs: number; reportBatchSize: number };
}

export class ReportBuffer {
  private items_: ReportItem[] = [];
  private timer_: TimerHandle | undefined;

  constructor(private readonly sink_: ReportSink) {}

  add_(item: ReportItem): void {
    this.items_.push(item);
    if (this.items_.length > MAX_BUFFERED) this.items_.splice(0, this.items_.length - MAX_BUFFERED);
    if (this.sink_.reportsReady_()) this.resume_();
  }

  /** Sends everything buffered now (in batches of batchSize); resolves when all were answered. */
  flush_(): Promise<void> {
    stopTimer(this.timer_);
    this.timer_ = undefined;
    if (!this.sink_.reportsReady_() || this.items_.length === 0) return Promise.resolve();
    const sends: Promise<unknown>[] = [];
    while (this.items_.length) {
      const batch = this.items_.splice(0, this.sink_.options_.reportBatchSize);
      sends.push(this.sink_.sendReports_(batch).catch((e: unknown) => this.sink_.reportsFailed_(e)));
    }
    return Promise.all(sends).then(() => undefined);
  }

  /** Called on join: items reported before it go out with the first batch. */
  resume_(): void {
    if (this.items_.length >= this.sink_.options_.reportBatchSize) void this.flush_();
    else if (this.items_.length) this.arm_();
  }

  /** Stops the timer and keeps the items (leave without a socket, destroy). */
  pause_(): void {
    stopTimer(this.timer_);
    this.timer_ = undefined;
  }

  clear_(): void {
    this.pause_();
    this.items_ = [];
  }

  private arm_(): void {
    if (this.timer_ !== undefined) return;
    this.timer_ = startTimer(() => {
      this.timer_ = undefined;
      void this.flush_();
    }, this.sink_.options_.reportFlushMs);
  }
}
