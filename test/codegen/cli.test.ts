// The real CLI process (with the real emitter) on a scratch copy: exit codes and output.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWith, fixtureRoot, pageOverrides, pageSources, ROOT } from './helpers.js';
import { canonicalJson } from '../../codegen/spec/schema.js';
import { fingerprint, STAMP_FILE, writeStamp } from '../../codegen/stamp.js';

const dir = fixtureRoot('codegen-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'codegen/cli.ts'), '--root', dir, ...args], { cwd: ROOT, encoding: 'utf8' });

// Each case spawns the CLI (parse, emit, compile check) up to three times: minutes on a loaded machine.
describe('npm run codegen', { timeout: 180_000 }, () => {
  it('--check on a checkout with nothing generated fails naming the files, and writes nothing', () => {
    const r = cli('--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('spec/client.spec.json: STALE_FILE missing: run npm run codegen');
    expect(r.stderr).toMatch(/codegen: FAILED with \d+ problems/);
    expect(() => readFileSync(join(dir, 'spec/client.spec.json'))).toThrow();
  });

  it('generates, then --check passes and a second run changes nothing', () => {
    const first = cli();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(readFileSync(join(dir, 'spec/client.spec.json'), 'utf8')).toBe(canonicalJson(buildWith(pageSources(), pageOverrides()).spec));
    expect(cli().stdout).toContain('codegen: nothing changed');
    const check = cli('--check');
    expect(check.status).toBe(0);
  });

  // The --check fast path (codegen/stamp.ts): the runs above left a stamp of this tree.
  const FAST = 'unchanged since the last full check';
  const FULL = /codegen: \d+ diagnostics/;
  const GEN = join(dir, 'src/generated/error-codes.ts');

  it('--check on the stamped tree answers from the stamp; --full and a missing stamp run the whole check', () => {
    expect(readFileSync(join(dir, STAMP_FILE), 'utf8')).toContain('"tool"');
    const fast = cli('--check');
    expect(fast.status).toBe(0);
    expect(fast.stdout).toContain(FAST);
    expect(fast.stdout).not.toMatch(FULL);
    const forced = cli('--check', '--full');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(FULL);
    rmSync(join(dir, STAMP_FILE));
    const fresh = cli('--check');
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toMatch(FULL);
    expect(cli('--check').stdout).toContain(FAST); // the passing full check stamped the tree again
  });

  it('a changed generated file is still reported stale although a stamp exists', () => {
    const good = readFileSync(GEN, 'utf8');
    writeFileSync(GEN, good.replace('export', '// edited by hand\nexport'));
    const r = cli('--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('src/generated/error-codes.ts: STALE_FILE out of date: run npm run codegen');
    writeFileSync(GEN, good);
    expect(cli('--check').stdout).toContain(FAST); // the failed check did not disturb the stamp of the good tree
  });

  it('an edited page is checked in full although a stamp exists: a defect fails, so does an edit the spec records', () => {
    const page = join(dir, 'spec/docs/client.md');
    const good = readFileSync(page, 'utf8');
    writeFileSync(page, good.replace('token: string,\n    roomId', 'token: number,\n    roomId'));
    const bad = cli('--check');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('PARAM_TYPE_MISMATCH Client.join(token)');
    writeFileSync(page, good + '\n'); // no defect, but the spec records the page's lines
    const stale = cli('--check');
    expect(stale.status).toBe(1);
    expect(stale.stdout).toMatch(FULL);
    expect(stale.stderr).toContain('spec/client.spec.json: STALE_FILE out of date');
    writeFileSync(page, good);
    expect(cli('--check').stdout).toContain(FAST);
  });

  it('a stamp written by another tool version is ignored: the stale file is found', () => {
    const good = readFileSync(GEN, 'utf8');
    writeFileSync(GEN, good.replace('export', '// edited by hand\nexport'));
    // A stamp claiming this very (stale) tree was checked, by a different codegen.
    writeStamp(dir, { ...fingerprint(dir), tool: '0'.repeat(64) });
    const r = cli('--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('src/generated/error-codes.ts: STALE_FILE out of date');
    // The control: the same claim from this tool is believed (that is what a stamp is), so the
    // failure above came from the tool check alone. --full still finds the file.
    writeStamp(dir, fingerprint(dir));
    expect(cli('--check').stdout).toContain(FAST);
    expect(cli('--check', '--full').status).toBe(1);
    writeFileSync(GEN, good);
    rmSync(join(dir, STAMP_FILE));
  });

  it("npm run codegen's command (codegen/launch.mjs: the same CLI, bundled) answers as the sources do", () => {
    const launch = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'codegen/launch.mjs'), '--root', dir, ...a], { cwd: ROOT, encoding: 'utf8' });
    const full = launch('--check', '--full');
    expect(full.stderr).toBe('');
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(FULL);
    expect(launch('--check').stdout).toContain(FAST);
    const good = readFileSync(GEN, 'utf8');
    writeFileSync(GEN, good.replace('export', '// edited by hand\nexport'));
    const stale = launch('--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('src/generated/error-codes.ts: STALE_FILE out of date: run npm run codegen');
    writeFileSync(GEN, good);
  });

  // The manifest (codegen/manifest.ts): with no stamp to answer, the check parses and reconciles
  // the pages but loads ts-morph only when the generated files cannot be vouched for.
  const VOUCHED = /codegen: 9 generated files vouched for by spec\/generated\.manifest\.json/;
  const EMITTED = /codegen: emitted 9 files \((.*)\)/;

  it('with no stamp, --check answers from the manifest without loading ts-morph; --full loads it', () => {
    // Which modules the process (npm run codegen's: the bundle) had loaded when it ended.
    const probe = `${dir}-probe.cjs`;
    const out = `${dir}-probe.json`;
    writeFileSync(probe, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));`);
    const launched = (...a: string[]) => {
      const r = spawnSync(process.execPath, ['-r', probe, join(ROOT, 'codegen/launch.mjs'), '--root', dir, ...a], { cwd: ROOT, encoding: 'utf8' });
      const tsMorph = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((f) => /[\\/]ts-morph[\\/]/.test(f));
      return { ...r, tsMorph };
    };
    try {
      const lazy = launched('--check', '--no-stamp');
      expect(lazy.stderr).toBe('');
      expect(lazy.status).toBe(0);
      expect(lazy.stdout).toMatch(VOUCHED);
      expect(lazy.stdout).toMatch(FULL); // the pages were parsed and reconciled
      expect(lazy.tsMorph).toEqual([]);
      const full = launched('--check', '--full');
      expect(full.status).toBe(0);
      expect(full.stdout).toMatch(EMITTED);
      expect(full.tsMorph.length).toBeGreaterThan(0); // the probe does see ts-morph when it is there
    } finally {
      rmSync(probe, { force: true });
      rmSync(out, { force: true });
    }
  });

  it('edited overrides fail the check (the spec, the files it changes, the manifest), with ts-morph loaded', () => {
    const overrides = join(dir, 'spec/overrides.json');
    const good = readFileSync(overrides, 'utf8');
    writeFileSync(overrides, good.replace('"https://www.volcengine.com/docs/6348/"', '"https://www.volcengine.com/docs/6349/"'));
    const r = cli('--check');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(EMITTED);
    expect(r.stderr).toContain('spec/client.spec.json: STALE_FILE out of date: run npm run codegen');
    expect(r.stderr).toContain('src/generated/client.ts: STALE_FILE out of date: run npm run codegen');
    expect(r.stderr).toContain('spec/generated.manifest.json: STALE_FILE out of date: run npm run codegen');
    writeFileSync(overrides, good);
    expect(cli('--check', '--no-stamp').stdout).toMatch(VOUCHED);
  });

  it('an edited emitter fails the check: a changed output is named stale, a comment only makes the manifest stale', () => {
    // A copy of codegen/ (with the installed packages) stands for the edited emitter: the real one is shared.
    const tool = `${dir}-tool`;
    cpSync(join(ROOT, 'codegen'), join(tool, 'codegen'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(tool, 'node_modules'), 'dir');
    const edited = (...a: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(tool, 'codegen/cli.ts'), '--root', dir, ...a], { cwd: ROOT, encoding: 'utf8' });
    const constants = join(tool, 'codegen/emit/constants.ts');
    const source = readFileSync(constants, 'utf8');
    try {
      writeFileSync(constants, `${source}// a comment: same output\n`);
      const comment = edited('--check');
      expect(comment.status).toBe(1);
      expect(comment.stdout).toMatch(EMITTED);
      expect(comment.stdout).toContain('(the emitter changed)');
      expect(comment.stderr.trim().split('\n')).toEqual([
        'spec/generated.manifest.json: STALE_FILE out of date: run npm run codegen',
        'codegen: FAILED with 1 problem',
      ]);
      writeFileSync(constants, source.replace('Every event value, for argument checks.', 'Every event value, for the argument checks.'));
      const output = edited('--check');
      expect(output.status).toBe(1);
      expect(output.stderr).toContain('src/generated/events.ts: STALE_FILE out of date: run npm run codegen');
      expect(output.stderr).toContain('spec/generated.manifest.json: STALE_FILE out of date: run npm run codegen');
    } finally {
      rmSync(tool, { recursive: true, force: true });
    }
    expect(cli('--check', '--no-stamp').stdout).toMatch(VOUCHED); // the real emitter still vouched for
  });

  it('a new defect in the page fails with file:line: CODE subject: message on stderr', () => {
    const page = join(dir, 'spec/docs/client.md');
    writeFileSync(page, readFileSync(page, 'utf8').replace('token: string,\n    roomId', 'token: number,\n    roomId'));
    const r = cli();
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'spec/docs/client.md:134: PARAM_TYPE_MISMATCH Client.join(token): the signature types it `number` but the table says `string`',
    );
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });
});
