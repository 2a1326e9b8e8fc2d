import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CODES, failure } from '../src/codes.js';

// The server's codes come from the generated SDK module, which comes from the error code page:
// every number the server sends is the page's, under the page's name.
const root = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(`${root}spec/docs/error-codes.md`, 'utf8');
const rows = new Map(
  page
    .split('\n')
    .map((l) => /^\| ([A-Z_]+) \| (\d+) \|/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, Number(m[2])]),
);

describe('server error codes', () => {
  it('are the numbers of spec/docs/error-codes.md, name for name', () => {
    expect(rows.size).toBeGreaterThan(Object.keys(CODES).length);
    for (const [name, code] of Object.entries(CODES)) expect([name, code]).toEqual([name, rows.get(name)]);
    expect(failure('ROOM_FULL', 'full')).toEqual({ code: rows.get('ROOM_FULL'), reason: 'full' });
  });

  it('come from a generated module that imports nothing (no other SDK code reaches the server)', () => {
    const generated = readFileSync(`${root}src/generated/error-codes.ts`, 'utf8');
    expect(generated).toMatch(/export const ERROR_CODES = \{/);
    expect(generated).not.toMatch(/^\s*import\b|\brequire\(/m);
    expect(readFileSync(`${root}server/src/codes.ts`, 'utf8')).toMatch(/from '\.\.\/\.\.\/src\/generated\/error-codes\.js'/);
  });
});
