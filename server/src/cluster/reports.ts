// Reports with --redis: each node keeps what its own clients sent (server.reports, answered at
// once), and mirrors every item to a capped Redis list per user, so the operators' view (admin
// API, dashboard) sees what a user reported on any node. One pipeline per report request; a
// Redis outage loses the mirror of what came meanwhile, never the request.
import type { ReportItem } from '@mprtc/protocol';
import type { Redis } from 'ioredis';
import { ReportStore, type ReportLimits, type ReportQuery, type StoredReport } from '../reports/store.js';
import { PREFIX } from '../store/keys.js';

/** A user's list outlives their last report by this much at most (it is released sooner after they leave). */
const IDLE_TTL_MS = 3600_000;

const esc = (s: string): string => s.replace(/[%{}:]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const appTag = (appId: string): string => `${PREFIX}reports:{${esc(appId)}}`;
const userKey = (appId: string, userId: string): string => `${appTag(appId)}:${esc(userId)}`;

export class SharedReportStore extends ReportStore {
  private readonly perUser: number;
  private readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    limits: Partial<ReportLimits>,
    private readonly track: (what: string, p: Promise<unknown>) => void,
  ) {
    super(limits);
    this.perUser = limits.perUser ?? 1000;
    this.retentionMs = limits.retentionMs ?? 60_000;
  }

  override add(appId: string, roomId: string, userId: string, items: ReportItem[], now = Date.now()): void {
    super.add(appId, roomId, userId, items, now);
    if (items.length === 0) return;
    const key = userKey(appId, userId);
    const rows = items.map((item) => {
      const streamUid = item.kind === 'playerState' || item.kind === 'playerNet' ? item.uid : userId;
      return JSON.stringify({ appId, roomId, userId, streamUid, receivedAt: now, item } satisfies StoredReport);
    });
    this.track(
      'report mirror',
      this.redis
        .pipeline()
        .rpush(key, ...rows)
        .ltrim(key, -this.perUser, -1)
        .pexpire(key, IDLE_TTL_MS)
        .exec(),
    );
  }

  override sessionEnded(appId: string, roomId: string, userId: string, now = Date.now()): void {
    super.sessionEnded(appId, roomId, userId, now);
    this.track('report release', this.redis.pexpire(userKey(appId, userId), Math.max(1, this.retentionMs)));
  }

  /** What the clients of every node reported, oldest first. */
  async queryCluster(q: ReportQuery): Promise<StoredReport[]> {
    const keys: string[] = [];
    if (q.userId !== undefined) keys.push(userKey(q.appId, q.userId));
    else {
      let cursor = '0';
      do {
        const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${appTag(q.appId).replace(/[*?[\]]/g, '\\$&')}:*`, 'COUNT', 200);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    const out: StoredReport[] = [];
    for (const k of keys) {
      for (const raw of await this.redis.lrange(k, 0, -1)) {
        try {
          const r = JSON.parse(raw) as StoredReport;
          if (r.appId !== q.appId) continue;
          if (q.roomId !== undefined && r.roomId !== q.roomId) continue;
          if (q.userId !== undefined && r.userId !== q.userId) continue;
          if (q.streamUid !== undefined && r.streamUid !== q.streamUid) continue;
          out.push(r);
        } catch {
          /* not ours */
        }
      }
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt);
  }
}
