// The real CLI process (with the real emitter) on a scratch copy: exit codes and output.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWith, fixtureRoot, pageOverrides, pageSources, ROOT } from './helpers.js';
import { canonicalJson } from '../../codegen/spec/schema.js';

const dir = fixtureRoot('codegen-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'codegen/cli.ts'), '--root', dir, ...args], { cwd: ROOT, encoding: 'utf8' });

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

  it('a new defect in the page fails with file:line: CODE subject: message on stderr', () => {
    const page = join(dir, 'spec/docs/client.md');
    writeFileSync(page, readFileSync(page, 'utf8').replace('token: string,\n    roomId', 'token: number,\n    roomId'));
    const r = cli();
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('spec/docs/client.md:134: PARAM_TYPE_MISMATCH Client.join(token): the signature types it `number` but the table says `string`');
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });
});
