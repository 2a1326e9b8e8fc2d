// Keeps what clients report from their WeChat components (state codes, net status), per user
// and stream, in memory with a bounded size per user: the oldest items go first.
import type { ReportItem } from '../../../src/runtime/protocol.js';

export interface StoredReport {
  appId: string;
  roomId: string;
  userId: string;
  /** The stream the item is about: the reporter's own (pusher) or a remote user's (player). */
  streamUid: string;
  receivedAt: number; // Unix ms
  item: ReportItem;
}

export interface ReportQuery {
  appId: string;
  roomId?: string;
  userId?: string;
  streamUid?: string;
}

export class ReportStore {
  private readonly byUser = new Map<string, StoredReport[]>();

  constructor(private readonly maxPerUser = 1000) {}

  add(appId: string, roomId: string, userId: string, items: ReportItem[], now = Date.now()): void {
    const k = `${appId}/${userId}`;
    let list = this.byUser.get(k);
    if (!list) this.byUser.set(k, (list = []));
    for (const item of items) {
      const streamUid = item.kind === 'playerState' || item.kind === 'playerNet' ? item.uid : userId;
      list.push({ appId, roomId, userId, streamUid, receivedAt: now, item });
    }
    if (list.length > this.maxPerUser) list.splice(0, list.length - this.maxPerUser);
  }

  query(q: ReportQuery): StoredReport[] {
    const out: StoredReport[] = [];
    for (const list of this.byUser.values()) {
      for (const r of list) {
        if (r.appId !== q.appId) continue;
        if (q.roomId !== undefined && r.roomId !== q.roomId) continue;
        if (q.userId !== undefined && r.userId !== q.userId) continue;
        if (q.streamUid !== undefined && r.streamUid !== q.streamUid) continue;
        out.push(r);
      }
    }
    return out;
  }
}
