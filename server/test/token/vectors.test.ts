import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateToken, parseToken, verifyToken } from '../../src/token/index.js';

// Tokens made by the vendor's reference generator (copied from the shared facts so a clean
// clone has them). -1 in the privilege columns means "not granted".
const path = fileURLToPath(new URL('../fixtures/token-vectors.tsv', import.meta.url));
const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
const cols = header!.split('\t');
const rows = lines.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [cols[i]!, v])));

const opt = (s: string): number | null => (Number(s) === -1 ? null : Number(s));

describe('AccessToken 001 reference vectors', () => {
  it('has the vectors', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
  });

  for (const row of rows) {
    describe(`${row.app_id} / ${row.room_id} / ${row.user_id}`, () => {
      it('is reproduced byte for byte', () => {
        const token = generateToken({
          appId: row.app_id!,
          appKey: row.app_key!,
          roomId: row.room_id!,
          userId: row.user_id!,
          nonce: Number(row.nonce),
          issuedAt: Number(row.issued_at),
          expireAt: Number(row.expire_at),
          publishExpireAt: opt(row.publish_expire!),
          subscribeExpireAt: opt(row.subscribe_expire!),
        });
        expect(token).toBe(row.token);
      });

      it('is accepted by the verifier before it expires', () => {
        const expireAt = Number(row.expire_at);
        const now = expireAt === 0 ? 2_000_000_000 : expireAt - 1;
        const r = verifyToken(row.token, {
          appKey: row.app_key!,
          appId: row.app_id!,
          roomId: row.room_id!,
          userId: row.user_id!,
          now,
        });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.token.nonce).toBe(Number(row.nonce));
        expect(r.token.issuedAt).toBe(Number(row.issued_at));
        expect(r.token.roomId).toBe(row.room_id);
        expect(r.token.userId).toBe(row.user_id);
        const pub = opt(row.publish_expire!);
        const sub = opt(row.subscribe_expire!);
        expect(r.token.privileges.get(0)).toBe(pub ?? undefined);
        // PublishStream brings audio, video and data with the same expiry.
        for (const p of [1, 2, 3]) expect(r.token.privileges.get(p)).toBe(pub ?? undefined);
        expect(r.token.privileges.get(4)).toBe(sub ?? undefined);
      });

      it('parses back to the same fields', () => {
        const p = parseToken(row.token);
        expect(p?.appId).toBe(row.app_id);
        expect(p?.expireAt).toBe(Number(row.expire_at));
      });
    });
  }
});
