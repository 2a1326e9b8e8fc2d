// The --check stamp (codegen/stamp.ts) on a scratch checkout: it is trusted only while every
// input, every output and the tool are byte-for-byte what the last full run saw. In process, no
// pipeline (the CLI's use of it is in cli.test.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, readStamp, STAMP_FILE, STAMP_FORMAT, toolHash, upToDateByStamp, writeStamp } from '../../codegen/stamp.js';

const dir = mkdtempSync(join(tmpdir(), 'codegen-stamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'spec/docs/client.md': '# Client\n',
  'spec/docs/events.md': '# EVENTS\n',
  'spec/overrides.json': '{"pages":{},"overrides":[]}\n',
  'spec/client.spec.json': '{}\n',
  'spec/spec.schema.json': '{"type":"object"}\n',
  'spec/overrides.schema.json': '{"type":"object"}\n',
  'spec/generated.manifest.json': '{"format":1}\n',
  'src/generated/client.ts': 'export {};\n',
  'src/generated/nested/deep.ts': 'export {};\n',
  'protocol/src/generated/events.ts': 'export {};\n',
};
const put = (rel: string, text: string) => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};

beforeEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(FILES)) put(rel, text);
  writeStamp(dir, fingerprint(dir));
});

describe('codegen --check stamp', () => {
  it('matches the tree it was written for, and a tree with no stamp never matches', () => {
    expect(upToDateByStamp(dir)).toBe(true);
    rmSync(join(dir, STAMP_FILE));
    expect(upToDateByStamp(dir)).toBe(false);
  });

  it.each(Object.keys(FILES))('a one-byte edit of %s invalidates it; undoing the edit makes it valid again', (rel) => {
    put(rel, FILES[rel]!.replace('\n', ' \n'));
    expect(upToDateByStamp(dir)).toBe(false);
    put(rel, FILES[rel]!);
    expect(upToDateByStamp(dir)).toBe(true);
  });

  it.each(Object.keys(FILES))('deleting %s invalidates it', (rel) => {
    unlinkSync(join(dir, rel));
    expect(upToDateByStamp(dir)).toBe(false);
  });

  it.each(['spec/docs/new.md', 'src/generated/extra.ts', 'src/generated/nested/more.json', 'protocol/src/generated/extra.ts'])(
    'a new file %s invalidates it',
    (rel) => {
      put(rel, 'x\n');
      expect(upToDateByStamp(dir)).toBe(false);
    },
  );

  it('files the pipeline does not read or write leave it valid', () => {
    put('spec/docs/notes.txt', 'not a page\n');
    put('src/runtime/other.ts', 'export {};\n');
    put('README.md', '# x\n');
    expect(upToDateByStamp(dir)).toBe(true);
  });

  it('moving content between files invalidates it (names are hashed with the bytes)', () => {
    put('src/generated/client.ts', '');
    put('src/generated/nested/deep.ts', 'export {};\nexport {};\n');
    expect(upToDateByStamp(dir)).toBe(false);
  });

  it('a stamp written by another tool version or stamp format is ignored', () => {
    const fp = fingerprint(dir);
    expect(fp.tool).toBe(toolHash());
    writeStamp(dir, { ...fp, tool: 'f'.repeat(64) });
    expect(upToDateByStamp(dir)).toBe(false);
    writeStamp(dir, { ...fp, format: STAMP_FORMAT + 1 });
    expect(upToDateByStamp(dir)).toBe(false);
    writeStamp(dir, fp);
    expect(upToDateByStamp(dir)).toBe(true);
  });

  it('an unreadable or malformed stamp is no stamp (never a crash)', () => {
    for (const text of ['', '{', 'null', '[]', '{"format":1}', JSON.stringify({ ...fingerprint(dir), tool: 5 })]) {
      put(STAMP_FILE, text);
      expect(readStamp(dir)).toBeNull();
      expect(upToDateByStamp(dir)).toBe(false);
    }
  });

  it('is kept under node_modules (never committed) and written whole', () => {
    expect(STAMP_FILE.startsWith('node_modules/')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8'))).toEqual(fingerprint(dir));
  });
});
