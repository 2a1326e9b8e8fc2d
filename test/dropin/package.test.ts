// The npm package as its users reach it: `require('mprtc')` and `import ... from 'mprtc'` resolved
// by Node through package.json ("main", "exports") in a project outside this repository, with
// the bundles the build writes. Both must expose the same API, and a Client from each must work.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDropIn, removeTempDirs, tempDir } from './support.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
let project: string;

const PROBE = `
  const names = Object.keys(sdk).sort().join();
  const c = new sdk.Client({ server: 'ws://127.0.0.1:9' });
  c.init('${'a'.repeat(24)}').then(
    () => console.log(JSON.stringify({ names, init: 'ok', stream: sdk.EVENTS.STREAM_ADDED, code: sdk.ERROR_CODES.NOT_INITED })),
    (e) => console.log(JSON.stringify({ names, init: e })),
  );`;

beforeAll(() => {
  const built = buildDropIn();
  project = tempDir('mprtc-consumer-');
  const root = join(project, 'node_modules', pkg.name);
  mkdirSync(join(root, 'dist'), { recursive: true });
  copyFileSync('package.json', join(root, 'package.json'));
  for (const f of ['VolcEngineRTC_MiniApp.js', 'index.mjs', 'package.json']) copyFileSync(join(built, f), join(root, 'dist', f));
  // The declarations come from the full build (api-extractor), as in test/types.
  for (const f of ['VolcEngineRTC_MiniApp.d.ts', 'index.d.mts']) {
    expect(existsSync(join('dist', f)), `dist/${f}: run npm run build first`).toBe(true);
    copyFileSync(join('dist', f), join(root, 'dist', f));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
});

afterAll(removeTempDirs);

function run(args: string[]): any {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' }));
}

describe('the package through package.json', () => {
  it('points main, module, types and every export at files the build writes', () => {
    const dot = pkg.exports['.'];
    const targets = [pkg.main, pkg.module, pkg.types, dot.import.types, dot.import.default, dot.require.types, dot.require.default, dot.default] as string[];
    for (const t of targets) {
      expect(t.startsWith('./dist/'), t).toBe(true);
      expect(existsSync(join(project, 'node_modules', pkg.name, t)), t).toBe(true);
    }
    expect(pkg.files).toEqual(['dist']);
    // The .d.ts is the api-extractor rollup: the path it writes is the one "types" names.
    const extractor = readFileSync('api-extractor.json', 'utf8');
    expect(extractor).toContain(`"<projectFolder>/${pkg.types.replace('./', '')}"`);
    expect([dot.require.default, dot.default, dot.require.types, dot.import.default]).toEqual([pkg.main, pkg.main, pkg.types, pkg.module]);
  });

  it('require() gets the CommonJS file, import gets the ES module, with the same API', () => {
    const cjs = run(['-e', `const sdk = require('${pkg.name}');${PROBE}`]);
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as sdk from '${pkg.name}'; import { Client } from '${pkg.name}'; if (sdk.Client !== Client) throw 1;${PROBE}`,
    ]);
    expect(cjs.names).toBe('Client,ERROR_CODES,EVENTS,configure');
    expect(esm).toEqual(cjs);
    expect(cjs).toMatchObject({ init: 'ok', stream: 'stream-added', code: expect.any(Number) });
    // Which file each condition resolved to.
    const resolved = run(['-e', `console.log(JSON.stringify(require.resolve('${pkg.name}')))`]);
    expect(resolved.endsWith(join('dist', 'VolcEngineRTC_MiniApp.js'))).toBe(true);
    const imported = run(['--input-type=module', '-e', `console.log(JSON.stringify(import.meta.resolve('${pkg.name}')))`]);
    expect(imported.endsWith('/dist/index.mjs')).toBe(true);
  });

  it('TypeScript resolves the types for both import and require (node16), and they bite', () => {
    writeFileSync(
      join(project, 'esm.mts'),
      `import { Client, EVENTS, type VolcEngineRTCError } from '${pkg.name}';\n` +
        `const c: Client = new Client({ server: 'ws://127.0.0.1:8080' });\n` +
        `c.on(EVENTS.STREAM_ADDED, (e) => { const uid: string = e.uid; void uid; });\n` +
        `c.join('t', 'r', 'u').catch((e: VolcEngineRTCError) => e.code);\n`,
    );
    writeFileSync(join(project, 'cjs.cts'), `import sdk = require('${pkg.name}');\nconst url: Promise<string> = new sdk.Client().publish();\nvoid url;\n`);
    writeFileSync(join(project, 'bad.mts'), `import { Client } from '${pkg.name}';\nconst n: number = new Client().publish();\n`);
    const tsc = (files: string[]) => {
      const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2020', ...files];
      const r = spawnSync(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), ...args], { cwd: project, encoding: 'utf8' });
      return { status: r.status, out: r.stdout + r.stderr };
    };
    expect(tsc(['esm.mts', 'cjs.cts'])).toEqual({ status: 0, out: '' });
    const bad = tsc(['bad.mts']);
    expect(bad.status).not.toBe(0);
    expect(bad.out).toMatch(/bad\.mts\(2,7\): error TS2322: Type 'Promise<string>' is not assignable to type 'number'/);
  });

  it('a package without the files fails to resolve (the check above is not vacuous)', () => {
    const empty = tempDir('mprtc-consumer-');
    expect(existsSync(join(empty, 'node_modules'))).toBe(false);
    expect(() => execFileSync(process.execPath, ['-e', `require('${pkg.name}')`], { cwd: empty, stdio: 'pipe' })).toThrow(/Cannot find module/);
  });
});
