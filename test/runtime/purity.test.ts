// src/runtime runs inside a WeChat mini-program: no Node built-ins, no Node globals, no
// runtime dependencies. This reads every file of it, and of the wire package it bundles
// (protocol/src, @mprtc/protocol), and fails on the first sign of one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const DIRS = ['src/runtime', 'protocol/src'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Comments may mention these words; code may not.
const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

const FORBIDDEN: [string, RegExp][] = [
  ['a node: import', /from\s+['"]node:/],
  [
    'an import of a Node built-in',
    /from\s+['"](fs|path|os|net|tls|http|https|crypto|events|stream|buffer|url|util|child_process|worker_threads|timers)(\/[^'"]*)?['"]/,
  ],
  // The one package allowed: the shared wire protocol, itself held to these rules below.
  ['a package import (runtime dependency)', /from\s+['"](?![./]|@mprtc\/protocol['"])[^'"]+['"]/],
  ['require(', /\brequire\s*\(/],
  ['process', /\bprocess\b/],
  ['Buffer', /\bBuffer\b/],
  ['__dirname', /\b__dirname\b|\b__filename\b/],
  ['a dynamic import', /\bimport\s*\(/],
];

describe('src/runtime and protocol/src have no Node dependency', () => {
  const all = DIRS.flatMap((d) => files(join(root, d)));

  it('finds the runtime sources', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.some((f) => f.includes('protocol/src'))).toBe(true);
  });

  it.each(FORBIDDEN)('no %s', (_what, pattern) => {
    const hits = all.filter((f) => pattern.test(stripComments(readFileSync(f, 'utf8')))).map((f) => relative(root, f));
    expect(hits).toEqual([]);
  });

  it('the checks do catch what they look for', () => {
    const sample = "import { readFileSync } from 'node:fs';\nconst b = Buffer.from(process.env.X ?? '');\nconst ws = require('ws');\nimport x from 'ws';";
    const caught = FORBIDDEN.filter(([, p]) => p.test(sample)).map(([w]) => w);
    expect(caught).toEqual(expect.arrayContaining(['a node: import', 'require(', 'process', 'Buffer', 'a package import (runtime dependency)']));
    const pkg = FORBIDDEN.find(([w]) => w.startsWith('a package import'))![1];
    expect(pkg.test("import { ID_PATTERN } from '@mprtc/protocol';")).toBe(false);
    expect(pkg.test("import x from '@mprtc/protocol-extra';")).toBe(true);
  });
});
