// Buffers what the app's <live-pusher>/<live-player> report and sends it in batches: one
// 'report' request per batch instead of one frame per netstatus tick (those fire every second).
import { noop, startTimer, stopTimer, type TimerHandle } from './host.js';
import type { ReportItem } from '@mprtc/protocol';

/** Kept while not in a room; beyond this the oldest items are dropped. */
const MAX_BUFFERED = 500;

/** Where batches go (the runtime). */
export interface ReportSink {
  /** Sends one batch; resolves when the server took it or the batch failed (the sink reports that). */
  sendReports_(items: ReportItem[]): Promise<unknown>;
  /** Whether a batch can be sent now (in a room). */
  reportsReady_(): boolean;
  /** The client's options (set by init; nothing is buffered before it). */
  readonly options_: { reportFlushMs: number; reportBatchSize: number };
}

export class ReportBuffer {
  private items_: ReportItem[] = [];
  private timer_: TimerHandle | undefined;

  constructor(private readonly sink_: ReportSink) {}

  add_(item: ReportItem): void {
    this.items_.push(item);
    this.items_.splice(0, this.items_.length - MAX_BUFFERED); // nothing while within the limit
    if (this.sink_.reportsReady_()) this.resume_();
  }

  /** Sends everything buffered now (in batches of batchSize); resolves when all were answered. */
  flush_(): Promise<void> {
    this.pause_();
    const sends: Promise<unknown>[] = [];
    // Not ready: the items wait for the next stay in the room.
    if (this.sink_.reportsReady_()) while (this.items_.length) sends.push(this.sink_.sendReports_(this.items_.splice(0, this.sink_.options_.reportBatchSize)));
    return Promise.all(sends).then(noop);
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
