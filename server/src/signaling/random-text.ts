// Random identifiers and secrets for sessions, drawn from a pool of random bytes fetched 4 KiB
// at a time: one system call per ~100 sessions rather than one or two for each join.
import { randomBytes } from 'node:crypto';

let pool = Buffer.alloc(0);
let used = 0;

/** `bytes` fresh random bytes (at most 64) as base64url text. */
export function randomText(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += bytes;
  return pool.toString('base64url', used - bytes, used);
}
