// Mutation fixtures: a copy of the vendor page with exactly one disagreement introduced, for each
// comparison the codegen makes (member table / section / signature / parameter table, both
// directions). Each is named (code and line), and the real pipeline writes nothing: no generated
// file ever comes from a page that disagrees with itself.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emit } from '../../codegen/emit/index.js';
import { verifyGenerated } from '../../codegen/emit/verify.js';
import { run } from '../../codegen/reconcile/run.js';
import type { Spec } from '../../codegen/spec/types.js';
import { at, buildWith, CLIENT, fixtureRoot, page, pageOverrides, pageSources } from './helpers.js';

const client = page(CLIENT);

interface Mutation {
  what: string;
  edit: (page: string) => string;
  /** The diagnostic expected: code, subject(param), and the text on its line. */
  code: string;
  subject: string;
  lineHas: string;
}

const MUTATIONS: Mutation[] = [
  {
    what: 'member table row without its section',
    edit: (s) => s.replace('### leave\n', '### leaving\n'),
    code: 'SECTION_MISSING',
    subject: 'Client.leave',
    lineHas: '[leave](#leave)',
  },
  {
    what: 'section without its member table row',
    edit: (s) => s.replace('### leave\n', '### leaving\n'),
    code: 'NOT_IN_MEMBER_TABLE',
    subject: 'Client.leaving',
    lineHas: '### leaving',
  },
  {
    what: 'member table return contradicting onSuccess',
    edit: (s) => s.replace('| `Promise<string>` | [join](#join)', '| `Promise<number>` | [join](#join)'),
    code: 'RETURN_TYPE_MISMATCH',
    subject: 'Client.join',
    lineHas: '[join](#join)',
  },
  {
    what: 'signature naming another method',
    edit: (s) => s.replace('join(\n    token: string,', 'joinRoom(\n    token: string,'),
    code: 'SIGNATURE_NAME_MISMATCH',
    subject: 'Client.join',
    lineHas: '```typescript',
  },
  {
    what: 'a parameter only the signature has',
    edit: (s) =>
      s.replace(
        '    userId: string,\n    onSuccess: (userId: string) => void,',
        '    userId: string,\n    extra: string,\n    onSuccess: (userId: string) => void,',
      ),
    code: 'PARAM_MISSING_IN_TABLE',
    subject: 'Client.join(extra)',
    lineHas: '| 参数名    | 类型     |',
  },
  {
    what: 'a parameter only the table has',
    edit: (s) =>
      s.replace('| userId    | string   | 本地用户 ID。', '| extra     | string   | 多余。  |  是  |          |\n| userId    | string   | 本地用户 ID。'),
    code: 'PARAM_MISSING_IN_SIGNATURE',
    subject: 'Client.join(extra)',
    lineHas: '| extra ',
  },
  {
    what: 'a parameter renamed in the table',
    edit: (s) => s.replace('| roomId    | string   | 需要进入的房间号', '| room      | string   | 需要进入的房间号'),
    code: 'PARAM_NAME_MISMATCH',
    subject: 'Client.join(roomId)',
    lineHas: '| room ',
  },
  {
    what: 'a parameter typed differently',
    edit: (s) => s.replace('    token: string,\n    roomId', '    token: number,\n    roomId'),
    code: 'PARAM_TYPE_MISMATCH',
    subject: 'Client.join(token)',
    lineHas: '| token ',
  },
  {
    what: 'required in the signature, optional in the table (userId)',
    edit: (s) => s.replace(/(\| userId {4}\| string {3}\| 本地用户 ID。 *\|) +是 +\|/, '$1  否  |'),
    code: 'REQUIRED_MISMATCH',
    subject: 'Client.join(userId)',
    lineHas: '本地用户 ID。',
  },
  {
    what: 'optional in the signature, required in the table',
    edit: (s) => s.replace('    userId: string,\n    onSuccess: (userId: string) => void,', '    userId?: string,\n    onSuccess: (userId: string) => void,'),
    code: 'REQUIRED_MISMATCH',
    subject: 'Client.join(userId)',
    lineHas: '本地用户 ID。',
  },
  {
    what: 'a parameter moved before another in the signature',
    edit: (s) => s.replace('    token: string,\n    roomId: string,\n', '    roomId: string,\n    token: string,\n'),
    code: 'PARAM_ORDER_MISMATCH',
    subject: 'Client.join',
    lineHas: '| 参数名    | 类型     |',
  },
  {
    what: 'a link text naming a method that does not exist',
    edit: (s) => s.replace('与  [join](#join) 为逆操作。', '与  [Join](#join) 为逆操作。'),
    code: 'UNKNOWN_IDENTIFIER',
    subject: 'Client.leave(Join)',
    lineHas: '[Join](#join)',
  },
];

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe.each(MUTATIONS.map((m) => [m.what, m] as const))('%s', (_what, m) => {
  const edited = m.edit(client);

  it('is one real edit of the page', () => {
    expect(edited).not.toBe(client);
  });

  it('is named with its code and line, and nothing else is new', () => {
    const base = new Set(buildWith(pageSources(), pageOverrides()).problems);
    const sources = pageSources();
    at(sources, CLIENT).text = edited;
    const problems = buildWith(sources, pageOverrides()).problems.filter((p) => !base.has(p));
    // The first start of the block or table that `lineHas` names, at or after the section.
    const hits = problems.filter((p) => p.includes(` ${m.code} ${m.subject}:`));
    expect(hits, problems.join('\n')).toHaveLength(1);
    const line = Number(/^spec\/docs\/client\.md:(\d+):/.exec(hits[0]!)?.[1]);
    expect(edited.split('\n')[line - 1], hits[0]).toContain(m.lineHas);
  });

  it('makes the real pipeline (emitter and compile check included) write nothing', async () => {
    const dir = fixtureRoot('codegen-mut-');
    scratch.push(dir);
    writeFileSync(join(dir, CLIENT), edited);
    const r = await run({ root: dir, check: false, emitter: { hash: 'real', load: () => emit }, verify: verifyGenerated });
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.includes(` ${m.code} `))).toBe(true);
    expect(existsSync(join(dir, 'src/generated'))).toBe(false);
    expect(existsSync(join(dir, 'spec/client.spec.json'))).toBe(false);
  });
});

// Two of these emit and compile the whole API: seconds each on an idle machine, more under load.
describe('answers that would make invalid TypeScript are refused', { timeout: 120_000 }, () => {
  const withOverride = (edit: (s: string) => string, entry: object) => {
    const sources = pageSources();
    at(sources, CLIENT).text = edit(client);
    const o = pageOverrides();
    o.overrides.push(entry as Record<string, unknown>);
    return buildWith(sources, o);
  };

  it('an optional parameter before a required one: OPTIONAL_BEFORE_REQUIRED, no spec', () => {
    const r = withOverride((s) => s.replace(/(\| token {5}\| string {3}\| 动态密钥[^|]*\|) +是 +\|/, '$1  否  |'), {
      code: 'REQUIRED_MISMATCH',
      subject: 'Client.join',
      param: 'token',
      reason: 'a test: token optional',
      fix: { optional: true },
    });
    expect(r.spec).toBeUndefined();
    expect(r.problems).toEqual([expect.stringMatching(/^spec\/docs\/client\.md:\d+: OPTIONAL_BEFORE_REQUIRED Client\.join\(roomId\): /)]);
  });

  it('the last parameter made optional is valid TypeScript, and compiles', () => {
    const r = withOverride((s) => s.replace(/(\| userId {4}\| string {3}\| 本地用户 ID。 *\|) +是 +\|/, '$1  否  |'), {
      code: 'REQUIRED_MISMATCH',
      subject: 'Client.join',
      param: 'userId',
      reason: 'a test: userId optional',
      fix: { optional: true },
    });
    expect(r.problems).toEqual([]);
    const files = new Map([...emit(r.spec as Spec)].map(([k, v]) => [`src/generated/${k}`, v]));
    expect(files.get('src/generated/client.ts')).toContain('join(token: string, roomId: string, userId?: string): Promise<string>;');
    expect(files.get('src/generated/client.ts')).toContain('join(token: string, roomId: string, userId: string | undefined, onSuccess:');
    expect(verifyGenerated(files)).toEqual([]);
  });

  it('generated code that does not compile is reported at its line and not written', async () => {
    const dir = fixtureRoot('codegen-bad-');
    scratch.push(dir);
    const broken = (spec: Spec) =>
      new Map(
        [...emit(spec)].map(([k, v]) => [
          k,
          k === 'client.ts' ? v.replace('init(appId: string): Promise<void>;', 'init(appId?: string, more: string): Promise<void>;') : v,
        ]),
      );
    const r = await run({ root: dir, check: false, emitter: { hash: 'broken', load: () => broken }, verify: verifyGenerated });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.stringMatching(/^src\/generated\/client\.ts:\d+: GENERATED_INVALID: TS1016: A required parameter cannot follow an optional parameter/),
    ]);
    expect(existsSync(join(dir, 'src/generated'))).toBe(false);
  });
});
