// The checks are generic: the same kinds of slip, made anywhere on the page, are found.
import { describe, expect, it } from 'vitest';
import { diagKey } from '../../codegen/reconcile/model.js';
import { at, buildWith, CLIENT, ERRORS, EVENTS, page, pageOverrides, pageSources } from './helpers.js';

const client = page(CLIENT);
/** Diagnostics the real page does not have, after an edit. */
function fresh(edit: (s: string) => string): string[] {
  const base = new Set(buildWith(pageSources(), pageOverrides()).diagnostics.map(diagKey));
  const s = pageSources();
  at(s, CLIENT).text = edit(client);
  expect(at(s, CLIENT).text).not.toBe(client);
  return buildWith(s, pageOverrides())
    .diagnostics.filter((d) => !base.has(diagKey(d)))
    .map((d) => `${d.line} ${diagKey(d)}`);
}
const joinTable = (s: string, from: string, to: string) => s.replace(from, to);

describe('generic checks on edits the vendor could make', () => {
  it('a parameter renamed in the table', () => {
    expect(fresh((s) => joinTable(s, '| roomId    | string   |', '| room      | string   |'))).toEqual(['135 PARAM_NAME_MISMATCH Client.join roomId']);
  });

  it('two rows swapped', () => {
    const a = client.split('\n')[133]!;
    const b = client.split('\n')[134]!;
    expect(fresh((s) => s.replace(`${a}\n${b}`, `${b}\n${a}`))).toEqual(['132 PARAM_ORDER_MISMATCH Client.join']);
  });

  it('optional in the signature, required in the table', () => {
    expect(
      fresh((s) =>
        s.replace('    userId: string,\n    onSuccess: (userId: string) => void,', '    userId?: string,\n    onSuccess: (userId: string) => void,'),
      ),
    ).toEqual(['136 REQUIRED_MISMATCH Client.join userId']);
  });

  it('a parameter only the signature has', () => {
    expect(fresh((s) => s.replace('leave(\n    onSuccess', 'leave(\n    reason: string,\n    onSuccess'))).toEqual([
      '161 PARAM_MISSING_IN_TABLE Client.leave reason',
    ]);
  });

  it('a member-table return that contradicts onSuccess', () => {
    expect(fresh((s) => s.replace('| `Promise<string>` | [join](#join)', '| `Promise<number>` | [join](#join)'))).toEqual([
      '23 RETURN_TYPE_MISMATCH Client.join',
    ]);
  });

  it('a sync method whose member table and signature disagree', () => {
    expect(fresh((s) => s.replace('|`void`             |[on](#on)', '|`boolean`          |[on](#on)'))).toEqual(['32 RETURN_TYPE_MISMATCH Client.on']);
  });

  it('a code span naming no type: UNKNOWN_IDENTIFIER, answered by a correction or by "not an identifier"', () => {
    const s = pageSources();
    at(s, CLIENT).text = at(s, CLIENT).text.replace('取消发布音视频流。', '取消发布音视频流（见 `AppId`）。');
    const r = buildWith(s, pageOverrides());
    expect(r.problems).toEqual([expect.stringMatching(/^spec\/docs\/client\.md:\d+: UNKNOWN_IDENTIFIER Client\.unpublish\(AppId\): `AppId` names no type/)]);
    const o = pageOverrides();
    o.overrides.push({
      code: 'UNKNOWN_IDENTIFIER',
      subject: 'Client.unpublish',
      param: 'AppId',
      reason: 'The console calls it so; not an identifier of this API.',
      fix: { present: false },
    });
    const kept = buildWith(s, o);
    expect(kept.problems).toEqual([]);
    expect(kept.spec!.classes[0]!.methods.find((m) => m.name === 'unpublish')!.description).toContain('`AppId`');
    o.overrides[o.overrides.length - 1]!.fix = { text: 'VolcEngineRTCError' };
    expect(buildWith(s, o).spec!.classes[0]!.methods.find((m) => m.name === 'unpublish')!.description).toContain('`VolcEngineRTCError`');
  });

  it('a payload sentence naming a type nobody defines', () => {
    const s = pageSources();
    at(s, EVENTS).text = at(s, EVENTS).text.replace('The payload is a `VolcEngineRTCError`.', 'The payload is a `ErrorEvent`.');
    const r = buildWith(s, pageOverrides());
    const line = at(s, EVENTS).text.split('\n').indexOf('### ERROR') + 1;
    expect(r.problems).toEqual([`spec/docs/events.md:${line}: UNKNOWN_TYPE ErrorEvent: \`ErrorEvent\` is used (EVENTS.ERROR) but no page defines it`]);
  });

  it('an event without any payload', () => {
    const s = pageSources();
    at(s, EVENTS).text = at(s, EVENTS).text.replace('The payload is a `StreamEvent`.\n\n### UNMUTE_AUDIO', '\n\n### UNMUTE_AUDIO');
    expect(buildWith(s, pageOverrides()).problems).toEqual([expect.stringMatching(/^spec\/docs\/events\.md:102: EVENT_PAYLOAD_MISSING EVENTS\.MUTE_AUDIO: /)]);
  });

  it('a duplicated error code', () => {
    const s = pageSources();
    at(s, ERRORS).text = at(s, ERRORS).text.replace('| NOT_IN_ROOM | 100002 |', '| NOT_IN_ROOM | 100001 |');
    expect(buildWith(s, pageOverrides()).problems).toEqual([
      expect.stringMatching(/DUPLICATE_ERROR_CODE ERROR_CODES\.NOT_IN_ROOM: NOT_IN_ROOM = 100001 repeats INVALID_PARAMS = 100001/),
    ]);
  });

  it('a member without its section, and a section without its member row', () => {
    expect(fresh((s) => s.replace('### leave\n', '### leaves\n'))).toEqual([
      '24 SECTION_MISSING Client.leave',
      '116 BROKEN_LINK Client.join #leave',
      '147 NOT_IN_MEMBER_TABLE Client.leaves',
    ]);
  });
});
