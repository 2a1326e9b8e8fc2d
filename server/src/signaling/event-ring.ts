// The events a session keeps for a resume, and the frame layout that lets a room share them.
import { PROTOCOL_VERSION } from '@mprtc/protocol';

/**
 * An event frame without its seq: `{"v":1,"type":"event","event":…,"data":…,"seq":` to which a
 * session appends its own number and `}`. A room event is serialized once, whoever hears it.
 */
export function eventBody(event: string, data: unknown): string {
  return `${JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event, data }).slice(0, -1)},"seq":`;
}

export const frameOf = (body: string, seq: number): string => `${body}${seq}}`;

/**
 * The bodies of a session's last `size` events in a circular array. A body is shared by every
 * member that heard the event, so a member's buffer costs one pointer per event, not a frame;
 * the array doubles from 8 slots up to `size`, so a quiet member does not pay for a full one.
 */
export class EventRing {
  private slots: string[] = [];
  /** Events pushed so far: the session's seq. */
  private count = 0;

  constructor(private readonly size: number) {}

  get seq(): number {
    return this.count;
  }

  /** The oldest seq still kept (seq + 1 when none is). */
  get oldest(): number {
    return Math.max(1, this.count - this.size + 1);
  }

  /** Keeps the body and returns its seq. */
  push(body: string): number {
    // Before the ring is full, seq - 1 < size: the slot index is the same whatever the length.
    if (this.count === this.slots.length && this.count < this.size) {
      const grown = new Array<string>(Math.min(this.size, Math.max(8, this.count * 2)));
      for (let i = 0; i < this.count; i++) grown[i] = this.slots[i]!;
      this.slots = grown;
    }
    this.slots[this.count % this.size] = body;
    return ++this.count;
  }

  /** The frames after `lastSeq`, oldest first; the caller has checked lastSeq + 1 >= oldest. */
  framesAfter(lastSeq: number): string[] {
    const out: string[] = [];
    for (let seq = lastSeq + 1; seq <= this.count; seq++) out.push(frameOf(this.slots[(seq - 1) % this.size]!, seq));
    return out;
  }
}
