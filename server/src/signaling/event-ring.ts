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
 * The bodies of a session's last `size` events, in a fixed circular array allocated on the
 * first event. A body is shared by every member that heard the event, so a member's buffer
 * costs one pointer per event, not a frame.
 */
export class EventRing {
  private slots: string[] | undefined;
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
    this.slots ??= new Array<string>(this.size);
    this.slots[this.count % this.size] = body;
    return ++this.count;
  }

  /** The frames after `lastSeq`, oldest first; the caller has checked lastSeq + 1 >= oldest. */
  framesAfter(lastSeq: number): string[] {
    const out: string[] = [];
    for (let seq = lastSeq + 1; seq <= this.count; seq++) out.push(frameOf(this.slots![(seq - 1) % this.size]!, seq));
    return out;
  }
}
