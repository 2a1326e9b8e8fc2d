// Shared by the drop-in tests: the bundles built by the real build script (bundles only, into a
// temp dir, so nothing races over dist/), a `wx` with nothing but what WeChat has, a fresh
// JavaScript context shaped like a mini-program's, and a static scan for Node-only names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { parse, type Node } from 'acorn';
import { RelayMediaPlane } from '../../server/src/media/relay/index.js';
import type { RunningServer } from '../../server/src/index.js';
import { startRealServer } from '../support/real-server.js';
import { createTestWx, type TestWx } from '../support/wx.js';

const made: string[] = [];

/** A new temp dir, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes the temp dirs this test file made (call it in afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs scripts/build.ts --bundles-only into a new temp dir; returns the dir. */
export function buildDropIn(env: Record<string, string> = {}): string {
  const outdir = tempDir('mprtc-dropin-');
  execFileSync(join('node_modules', '.bin', 'tsx'), ['scripts/build.ts', '--bundles-only', '--outdir', outdir], {
    stdio: 'pipe',
    env: { ...process.env, ...env },
  });
  return outdir;
}

/** The real server with the real RTMP relay (nothing pushes in these tests: keep URLs alive). */
export function startDropInServer(): Promise<RunningServer> {
  const media = new RelayMediaPlane({ secret: 'dropin-test-relay-secret', logLevel: 'silent', pushTimeoutMs: 120_000 });
  return startRealServer({ media });
}

/**
 * WeChat's `wx`, reduced to the one API the SDK uses, backed by real sockets. The test's own
 * bookkeeping (`tasks`) stays outside; the object handed to the context has nothing else.
 */
export function miniProgramWx(): { wx: Pick<TestWx, 'connectSocket'>; sockets: TestWx } {
  const sockets = createTestWx();
  const wx = Object.freeze({ connectSocket: (opts: Parameters<TestWx['connectSocket']>[0]) => sockets.connectSocket(opts) });
  return { wx, sockets };
}

export interface Logged {
  error: unknown[][];
}

/**
 * A fresh context whose only globals are `extra` (wx, and for pages Page/App/getApp), timers and
 * console, plus what the language itself defines. No require, process, Buffer, global.
 */
export function miniProgramContext(extra: Record<string, unknown>, logged: Logged = { error: [] }): vm.Context {
  return vm.createContext({
    ...extra,
    setTimeout,
    clearTimeout,
    console: { log: () => undefined, info: () => undefined, warn: () => undefined, error: (...a: unknown[]) => void logged.error.push(a) },
  });
}

/** Evaluates CommonJS source the way a mini-program's module wrapper does; returns module.exports. */
export function loadCommonJs(context: vm.Context, source: string, filename: string, require?: (id: string) => unknown): any {
  const module = { exports: {} as Record<string, unknown> };
  const params = require ? 'require, module, exports' : 'module, exports';
  const wrapper = vm.runInContext(`(function (${params}) {${source}\n})`, context, { filename }) as (...a: unknown[]) => void;
  if (require) wrapper(require, module, module.exports);
  else wrapper(module, module.exports);
  return module.exports;
}

/** Names a mini-program does not have; a bundle that mentions one (outside property names) leans on Node. */
export const NODE_ONLY = ['require', 'process', 'Buffer', 'global', '__dirname', '__filename', 'setImmediate'];

/**
 * Parses `source` as an ES2017 script (throws on newer syntax) and lists the identifiers it
 * uses from NODE_ONLY, skipping property names (`a.process`, `{ process: 1 }`).
 */
export function nodeOnlyNames(source: string): string[] {
  const ast = parse(source, { ecmaVersion: 2017, sourceType: 'script' });
  const found = new Set<string>();
  const visit = (node: Node, parent: Node | undefined, key: string): void => {
    if (node.type === 'Identifier') {
      const name = (node as unknown as { name: string }).name;
      const p = parent as unknown as { type: string; computed?: boolean; shorthand?: boolean } | undefined;
      const isPropertyName =
        (p?.type === 'MemberExpression' && key === 'property' && !p.computed) ||
        ((p?.type === 'Property' || p?.type === 'MethodDefinition') && key === 'key' && !p.computed && !p.shorthand);
      if (!isPropertyName && NODE_ONLY.includes(name)) found.add(name);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (Array.isArray(v)) v.forEach((c) => isNode(c) && visit(c, node, k));
      else if (isNode(v)) visit(v, node, k);
    }
  };
  visit(ast, undefined, '');
  return [...found].sort();
}

function isNode(v: unknown): v is Node {
  return !!v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string';
}
