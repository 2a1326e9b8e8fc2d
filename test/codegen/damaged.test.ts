// Damaged pages give diagnostics with lines, never a stack trace.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { build } from '../../codegen/reconcile/index.js';
import { at, buildWith, CLIENT, NO_OVERRIDES, page, pageOverrides, pageSources } from './helpers.js';

const client = page(CLIENT);
const withClient = (text: string) => {
  const s = pageSources();
  at(s, CLIENT).text = text;
  return s;
};
const codes = (text: string) => buildWith(withClient(text), pageOverrides()).problems;

describe('damaged pages', () => {
  it('a truncated table: the rows that are left are read, the rest is reported', () => {
    // join's table loses its last two rows and its notes: the page ends mid-table.
    const cut = client.slice(0, client.indexOf('| userId    | string   | 本地用户 ID。'));
    const p = codes(cut);
    expect(p.join('\n')).toMatch(/client\.md:\d+: PARAM_MISSING_IN_TABLE Client\.join\(userId\)/);
    expect(p.join('\n')).toMatch(/SECTION_MISSING Client\.leave: /);
    expect(p.join('\n')).toMatch(/STALE_OVERRIDE/); // what the lost sections needed
  });

  it('a table without its separator row is reported where it is', () => {
    const broken = client.replace(
      '| :-------- | :------- | :-------------------------------------------------------------------------------------------------------- | :--: | :------: |\n| token',
      '| token',
    );
    const p = codes(broken);
    expect(p).toContainEqual(expect.stringMatching(/^spec\/docs\/client\.md:132: TABLE_MALFORMED Client\.join: /));
  });

  it('a missing fence: SIGNATURE_MISSING, the table still read', () => {
    const broken = client.replace('```typescript\njoin(', 'join(').replace('  ): void\n```\n\n初始化 client 后', '  ): void\n\n初始化 client 后');
    const r = buildWith(withClient(broken), pageOverrides());
    expect(r.problems).toContainEqual(expect.stringMatching(/^spec\/docs\/client\.md:116: SIGNATURE_MISSING Client\.join: /));
  });

  it('an unclosed fence swallows the rest of the page: reported, not thrown', () => {
    const broken = client.replace('  ): void\n```\n\n初始化 client 后', '  ): void\n\n初始化 client 后');
    const p = codes(broken);
    expect(p.join('\n')).toMatch(/SIGNATURE_UNPARSABLE Client\.join: /);
    expect(p.join('\n')).toMatch(/SECTION_MISSING Client\.leave: /);
  });

  it('an unknown type in a table is UNKNOWN_TYPE at its row', () => {
    const broken = client.replace('| roomId    | string   |', '| roomId    | RoomName   |');
    expect(codes(broken)).toContainEqual(expect.stringMatching(/^spec\/docs\/client\.md:135: UNKNOWN_TYPE RoomName: /));
  });

  it('a type cell that is not a type is TYPE_UNPARSABLE', () => {
    const broken = client.replace('| roomId    | string   |', '| roomId    | text string |');
    expect(codes(broken)).toContainEqual(expect.stringMatching(/^spec\/docs\/client\.md:135: TYPE_UNPARSABLE Client\.join\(roomId\): /));
  });

  it('an empty file and binary garbage are reported as such', () => {
    const empty = build([{ file: 'spec/docs/x.md', text: '' }], 'o.json', NO_OVERRIDES);
    expect(empty.problems).toEqual(['spec/docs/x.md:1: PAGE_EMPTY x.md: the page is empty [fix the page: no override can answer this]']);
    const garbage = String.fromCharCode(...Array.from({ length: 512 }, (_, i) => (i * 7919) % 256));
    const bin = build([{ file: 'spec/docs/y.md', text: garbage }], 'o.json', NO_OVERRIDES);
    expect(bin.problems[0]).toMatch(/^spec\/docs\/y\.md:1: PAGE_NOT_TEXT y\.md: /);
    const prose = build([{ file: 'spec/docs/z.md', text: 'just some words\n' }], 'o.json', NO_OVERRIDES);
    expect(prose.problems[0]).toMatch(/PAGE_UNRECOGNIZED/);
  });

  it('a table whose header is not understood is reported, not silently skipped', () => {
    const broken = client.replace(
      '| 参数名    | 类型     | 说明                                                                                                      | 必填 |  默认值  |\n| :-------- | :------- | :-------------------------------------------------------------------------------------------------------- | :--: | :------: |\n| token',
      '| 字段甲    | 字段乙     | 说明                                                                                                      | 必填 |  默认值  |\n| :-------- | :------- | :-------------------------------------------------------------------------------------------------------- | :--: | :------: |\n| token',
    );
    expect(codes(broken)).toContainEqual(
      expect.stringMatching(/^spec\/docs\/client\.md:132: TABLE_UNATTACHED Client\.join: a table here is not read: its header \(字段甲 \| 字段乙\)/),
    );
  });

  it('a signature naming a parameter twice', () => {
    const broken = client.replace('    roomId: string,\n    userId: string,', '    roomId: string,\n    roomId: string,');
    expect(codes(broken)).toContainEqual(
      expect.stringMatching(/^spec\/docs\/client\.md:118: SIGNATURE_UNPARSABLE Client\.join: the signature names the parameter `roomId` twice/),
    );
  });

  it('an onFailure unlike its siblings, and a description unlike its signature', () => {
    const row =
      '| onFailure | function | 失败后执行的回调函数 `(err: VolcEngineRTCError) => void`，返回`VolcEngineRTCError`对象，包含错误码和错误信息 |  否  | 无 |';
    const newRow = '| onFailure | function | 失败后执行的回调函数 `(code: number) => void` |  否  | 无 |';
    const descOnly = client.replace(row, newRow);
    expect(codes(descOnly)).toContainEqual(
      expect.stringMatching(
        /client\.md:185: PARAM_TYPE_MISMATCH Client\.publish\(onFailure\): the type is `\(err: VolcEngineRTCError\) => void` but the description says `\(code: number\) => void`/,
      ),
    );
    const both = descOnly.replace(
      'publish(\n    onSuccess: (url: string) => void,\n    onFailure: (err: VolcEngineRTCError) => void,',
      'publish(\n    onSuccess: (url: string) => void,\n    onFailure: (code: number) => void,',
    );
    expect(codes(both)).toContainEqual(
      expect.stringMatching(
        /client\.md:185: CALLBACK_TYPE_MISMATCH Client\.publish\(onFailure\): onFailure is `\(code: number\) => void` here but `\(err: VolcEngineRTCError\) => void` in 10 other methods/,
      ),
    );
  });

  it('a broken anchor is reported with the link', () => {
    const broken = client.replace('[leave](#leave) 为逆操作', '[leave](#leav) 为逆操作');
    expect(codes(broken)).toContainEqual(expect.stringMatching(/BROKEN_LINK Client\.join\(#leav\): the link \[leave\]\(#leav\)/));
  });

  it('random damage to client.md never throws and always yields a spec or problems', () => {
    const lines = client.split('\n');
    const mutation = fc.oneof(
      fc.tuple(fc.constant('cut' as const), fc.nat(client.length)),
      fc.tuple(fc.constant('dropLine' as const), fc.nat(lines.length - 1)),
      fc.tuple(fc.constant('dupLine' as const), fc.nat(lines.length - 1)),
      fc.tuple(
        fc.constant('insert' as const),
        fc.nat(client.length),
        fc.string({ unit: fc.constantFrom('|', '`', '*', '#', '\n', '<', '>', '(', ')', ':', '?', '是', 'a', ' ', '-', '{', '}'), maxLength: 12 }),
      ),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        let text = client;
        for (const m of muts) {
          const ls = text.split('\n');
          if (m[0] === 'cut') text = text.slice(0, m[1]);
          else if (m[0] === 'dropLine') text = ls.filter((_, i) => i !== m[1] % ls.length).join('\n');
          else if (m[0] === 'dupLine') text = ls.flatMap((l, i) => (i === m[1] % ls.length ? [l, l] : [l])).join('\n');
          else text = text.slice(0, m[1]) + m[2] + text.slice(m[1]);
        }
        const r = buildWith(withClient(text), pageOverrides());
        expect(r.spec !== undefined || r.problems.length > 0).toBe(true);
        for (const p of r.problems) expect(p).toMatch(/^[^:\s]+:\d+: [A-Z_]+ /);
      }),
      { numRuns: 60, seed: 20261125 },
    );
  });
});

describe('text the structure gives no place', () => {
  it('is listed as TEXT_DROPPED with why, and an override can accept the drop with its reason', () => {
    const sources = pageSources();
    at(sources, CLIENT).text = at(sources, CLIENT).text.replace('## 函数说明\n', '## 函数说明\n\n这段话不属于任何方法。\n');
    const r = buildWith(sources, pageOverrides());
    expect(r.problems).toEqual([
      expect.stringMatching(
        /^spec\/docs\/client\.md:\d+: TEXT_DROPPED client\.md\(这段话不属于任何方法。\): text under a `##` heading before its first `###` section belongs to no method/,
      ),
    ]);
    const o = pageOverrides();
    o.overrides.push({
      code: 'TEXT_DROPPED',
      subject: 'client.md',
      param: '这段话不属于任何方法。',
      reason: 'A note for readers of the page, about no API.',
      fix: { present: false },
    });
    const accepted = buildWith(sources, o);
    expect(accepted.problems).toEqual([]);
    expect(accepted.spec!.diagnostics.find((d) => d.code === 'TEXT_DROPPED')?.resolution).toBe('A note for readers of the page, about no API.');
  });

  it('a quote and a second signature block in a section are kept as text', () => {
    const sources = pageSources();
    at(sources, CLIENT).text = at(sources, CLIENT).text.replace(
      '取消发布音视频流。\n',
      '取消发布音视频流。\n\n> 引用的说明。\n\n```ts\nunpublish(): Promise<void>\n```\n',
    );
    const r = buildWith(sources, pageOverrides());
    expect(r.problems).toEqual([]);
    const m = r.spec!.classes[0]!.methods.find((x) => x.name === 'unpublish')!;
    expect(m.description).toContain('> 引用的说明。');
    expect(m.description).toContain('unpublish(): Promise<void>');
  });
});
