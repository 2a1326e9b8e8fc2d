// Keeps what clients report from their WeChat components (state codes, net status), per user
// and stream, in memory. Bounded per user (items and bytes) and in total (bytes): the oldest
// items go first. A user's items are released a retention period after their session ends.
import type { ReportItem } from '@mprtc/protocol';

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

export interface ReportLimits {
  /** Items kept per user (per app). */
  perUser: number;
  /** Bytes (reportCost: the heap an item takes, estimated) kept per user. */
  bytesPerUser: number;
  /** Bytes kept across all users. */
  bytesTotal: number;
  /** How long a user's items stay after their session ends. */
  retentionMs: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = { perUser: 1000, bytesPerUser: 256 * 1024, bytesTotal: 64 * 1024 * 1024, retentionMs: 60_000 };

/**
 * What an item counts against the byte limits: an upper estimate of the heap it takes as kept.
 * Measured on Node 20 (items as validate.ts passes them: flat net status of at most 32 fields):
 * typical net status 207 bytes of JSON take 269 in the heap; 32 fields of doubles 418 take 995;
 * 32 strings of 130 characters 4359 take 6346; an empty item 42 takes 207.
 */
export function reportCost(item: ReportItem): number {
  const fields = 'info' in item ? Object.keys(item.info).length : 0;
  // + 256 per item: the StoredReport around it and the store's own bookkeeping.
  return Math.ceil(1.5 * JSON.stringify(item).length) + 12 * fields + 256;
}

/** What an evicted entry points at instead of its report (no item kept alive). */
const EVICTED: StoredReport = Object.freeze({
  appId: '',
  roomId: '',
  userId: '',
  streamUid: '',
  receivedAt: 0,
  item: Object.freeze({ kind: 'pusherState', at: 0, code: 0, message: '' }),
});

interface Kept {
  /** Dropped when evicted, so an entry still in the global order holds no item. */
  report: StoredReport;
  bytes: number;
  /** Evicted through another list (its user's, or the global order); skipped when met. */
  gone: boolean;
}

interface UserList {
  items: Kept[];
  bytes: number;
}

export class ReportStore {
  private readonly byUser = new Map<string, UserList>();
  /** Every kept item in arrival order, for evicting the oldest across users. */
  private order: Kept[] = [];
  private orderHead = 0;
  private total = 0;
  private live = 0;
  /** `${appId}\n${roomId}\n${userId}` -> when its session ended; in order of ending. */
  private readonly ended = new Map<string, number>();
  private readonly limits: ReportLimits;

  /** A number is the per-user item limit (the older signature); an object sets any limit. */
  constructor(limits: number | Partial<ReportLimits> = {}) {
    this.limits = { ...DEFAULT_REPORT_LIMITS, ...(typeof limits === 'number' ? { perUser: limits } : limits) };
  }

  /** Bytes kept in total, for tests and operators. */
  get bytes(): number {
    return this.total;
  }

  add(appId: string, roomId: string, userId: string, items: ReportItem[], now = Date.now()): void {
    this.releaseDue(now);
    const k = `${appId}\n${userId}`;
    let list = this.byUser.get(k);
    if (!list) this.byUser.set(k, (list = { items: [], bytes: 0 }));
    for (const item of items) {
      const streamUid = item.kind === 'playerState' || item.kind === 'playerNet' ? item.uid : userId;
      const kept: Kept = { report: { appId, roomId, userId, streamUid, receivedAt: now, item }, bytes: reportCost(item), gone: false };
      list.items.push(kept);
      list.bytes += kept.bytes;
      this.total += kept.bytes;
      this.order.push(kept);
      this.live++;
    }
    const { perUser, bytesPerUser, bytesTotal } = this.limits;
    while (list.items.length > 0 && (list.items.length > perUser || list.bytes > bytesPerUser)) this.evict(list.items.shift()!, list);
    while (this.total > bytesTotal && this.orderHead < this.order.length) {
      const oldest = this.order[this.orderHead++]!;
      if (oldest.gone) continue;
      const owner = this.byUser.get(`${oldest.report.appId}\n${oldest.report.userId}`)!;
      // Per-user lists are in arrival order too: the globally oldest is its list's first.
      owner.items.shift();
      this.evict(oldest, owner);
    }
    if (list.items.length === 0) this.byUser.delete(k);
    this.compact();
  }

  /**
   * The user's session in this room ended (leave, token expiry, grace period over): its items,
   * up to now, are released after the retention period.
   */
  sessionEnded(appId: string, roomId: string, userId: string, now = Date.now()): void {
    // Most sessions sent no report: nothing of theirs to release, and no entry to keep.
    if (!this.byUser.has(`${appId}\n${userId}`)) return;
    const k = `${appId}\n${roomId}\n${userId}`;
    this.ended.delete(k); // re-inserted last: the map stays in order of ending
    this.ended.set(k, now);
    if (this.limits.retentionMs === 0) this.releaseDue(now);
  }

  query(q: ReportQuery, now = Date.now()): StoredReport[] {
    this.releaseDue(now);
    const out: StoredReport[] = [];
    for (const list of this.byUser.values()) {
      for (const { report: r } of list.items) {
        if (r.appId !== q.appId) continue;
        if (q.roomId !== undefined && r.roomId !== q.roomId) continue;
        if (q.userId !== undefined && r.userId !== q.userId) continue;
        if (q.streamUid !== undefined && r.streamUid !== q.streamUid) continue;
        out.push(r);
      }
    }
    return out;
  }

  private evict(kept: Kept, list: UserList): void {
    kept.gone = true;
    kept.report = EVICTED;
    this.live--;
    list.bytes -= kept.bytes;
    this.total -= kept.bytes;
  }

  private releaseDue(now: number): void {
    for (const [k, endedAt] of this.ended) {
      if (now - endedAt < this.limits.retentionMs) break; // the rest ended later
      this.ended.delete(k);
      const [appId, roomId, userId] = k.split('\n') as [string, string, string];
      const list = this.byUser.get(`${appId}\n${userId}`);
      if (!list) continue;
      // Items that arrived after the end belong to a later session (a rejoin): they stay.
      list.items = list.items.filter((kept) => {
        const release = kept.report.roomId === roomId && kept.report.receivedAt <= endedAt;
        if (release) this.evict(kept, list);
        return !release;
      });
      if (list.items.length === 0) this.byUser.delete(`${appId}\n${userId}`);
    }
    this.compact();
  }

  /** Drops evicted entries from the global order once they are most of it. */
  private compact(): void {
    const stale = this.order.length - this.live;
    if (stale > 1024 && stale > this.live) {
      this.order = this.order.filter((k) => !k.gone);
      this.orderHead = 0;
    }
  }
}
