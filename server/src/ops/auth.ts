// Admin authentication: one secret (not an app key), compared in constant time through hashes
// (so neither content nor length leaks), and dashboard sessions behind a random cookie id.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const MIN_SECRET_LENGTH = 16;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class SecretCheck {
  private readonly hash: Buffer;

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(`the admin secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    this.hash = digest(secret);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(this.hash, digest(candidate));
  }
}

/** Dashboard sessions: random ids, a fixed lifetime, a bounded number (the oldest go first). */
export class DashboardSessions {
  /** hash of the id -> expiry (Unix ms); only hashes are kept, as with the secret. */
  private readonly sessions = new Map<string, number>();

  constructor(
    readonly ttlMs: number,
    private readonly max = 100,
    private readonly clock: () => number = Date.now,
  ) {}

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.sweep();
    if (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(digest(id).toString('hex'), this.clock() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id || id.length > 100) return false;
    const k = digest(id).toString('hex');
    const exp = this.sessions.get(k);
    if (exp === undefined) return false;
    if (exp <= this.clock()) {
      this.sessions.delete(k);
      return false;
    }
    return true;
  }

  end(id: string | undefined): void {
    if (id && id.length <= 100) this.sessions.delete(digest(id).toString('hex'));
  }

  private sweep(): void {
    const now = this.clock();
    for (const [k, exp] of this.sessions) if (exp <= now) this.sessions.delete(k);
  }
}

/** Failed logins per address in a fixed window: guessing the secret is slowed, not just hashed. */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxTracked = 10_000,
  ) {}

  blocked(ip: string): boolean {
    const w = this.windows.get(ip);
    return w !== undefined && this.clock() - w.start < this.windowMs && w.count >= this.max;
  }

  /** Addresses currently tracked (bounded by `maxTracked`). */
  get size(): number {
    return this.windows.size;
  }

  fail(ip: string): void {
    const now = this.clock();
    if (this.windows.size >= this.maxTracked) {
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
      // Still full (failures from ever new addresses): the oldest windows go, so the map stays
      // bounded; such a guesser gets nothing from that, each new address starts its own count anyway.
      for (const k of this.windows.keys()) {
        if (this.windows.size < this.maxTracked) break;
        this.windows.delete(k);
      }
    }
    let w = this.windows.get(ip);
    if (!w || now - w.start >= this.windowMs) this.windows.set(ip, (w = { start: now, count: 0 }));
    w.count++;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}
