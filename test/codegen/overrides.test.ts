// The overrides file is strict: every diagnostic needs an answer, every answer needs a
// diagnostic, and an answer must change something. One run reports every problem.
import { describe, expect, it } from 'vitest';
import { at, buildWith, CLIENT, pageOverrides, pageSources } from './helpers.js';

type Entry = Record<string, unknown> & { code: string; subject: string; param?: string; fix: Record<string, unknown> };
const base = () => pageOverrides() as { pages: Record<string, { docId: string }>; overrides: Entry[] };
const find = (o: ReturnType<typeof base>, code: string, subject: string, param?: string) =>
  o.overrides.findIndex((e) => e.code === code && e.subject === subject && e.param === param);

describe('overrides', () => {
  it('the reviewed file resolves everything', () => {
    const r = buildWith(pageSources(), base());
    expect(r.problems).toEqual([]);
    expect(r.spec).toBeDefined();
  });

  it('unresolved diagnostics fail the build, all of them listed', () => {
    const o = base();
    const dropped = [
      find(o, 'UNKNOWN_TYPE', 'WxMediaState'),
      find(o, 'SIGNATURE_NAME_MISMATCH', 'Client.reportPusherNetStatusChange'),
      find(o, 'UNTYPED_PARAM', 'Client.setUserVisibility', 'enable'),
    ];
    o.overrides = o.overrides.filter((_, i) => !dropped.includes(i));
    const r = buildWith(pageSources(), o);
    expect(r.spec).toBeUndefined();
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(/^spec\/docs\/client\.md:351: UNTYPED_PARAM Client\.setUserVisibility\(enable\): /);
    expect(r.problems[1]).toMatch(/^spec\/docs\/client\.md:427: SIGNATURE_NAME_MISMATCH Client\.reportPusherNetStatusChange: /);
    expect(r.problems[2]).toMatch(/^spec\/docs\/client\.md:437: UNKNOWN_TYPE WxMediaState: /);
  });

  it('a stale override (the vendor fixed the doc) fails the build', () => {
    const sources = pageSources();
    // The vendor fixes the copy-paste slip in reportPusherNetStatusChange's block.
    at(sources, CLIENT).text = at(sources, CLIENT).text.replace('reportPusherStateChange(info: any);', 'reportPusherNetStatusChange(info: any);');
    const r = buildWith(sources, base());
    expect(r.spec).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^spec\/overrides\.json:\d+: STALE_OVERRIDE Client\.reportPusherNetStatusChange: .*remove this override/);
  });

  it('a stale override points at its own line in the overrides file', () => {
    const o = base();
    o.overrides.push({ code: 'PARAM_TYPE_MISMATCH', subject: 'Client.join', param: 'token', reason: 'made up', fix: { type: 'string' } });
    const text = JSON.stringify(o, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"subject": "Client.join"')); // 0-based line of subject = 1-based line of code
    const r = buildWith(pageSources(), text);
    expect(r.problems).toEqual([expect.stringMatching(new RegExp(`^spec/overrides\\.json:${line}: STALE_OVERRIDE Client\\.join\\(token\\)`))]);
  });

  it('a redundant override (its fix changes nothing) fails the build', () => {
    const o = base();
    // The table already says optional: stating it again answers nothing.
    o.overrides[find(o, 'MISSING_DEFAULT', 'VolcEngineRTCError', 'code')]!.fix = { optional: true };
    const r = buildWith(pageSources(), o);
    expect(r.problems).toEqual([expect.stringMatching(/^spec\/overrides\.json:\d+: REDUNDANT_OVERRIDE VolcEngineRTCError\(code\): its fix changes nothing/)]);
  });

  it('an empty fix is redundant or incomplete, never silently accepted', () => {
    const o = base();
    o.overrides[find(o, 'MISSING_RETURN_TYPE', 'Client.reportPlayerStateChange')]!.fix = {};
    const r = buildWith(pageSources(), o);
    expect(r.problems).toEqual([expect.stringMatching(/OVERRIDE_INCOMPLETE Client\.reportPlayerStateChange: a fix for MISSING_RETURN_TYPE must set returns/)]);
  });

  it('a duplicate, a fix key the diagnostic cannot change and an unparsable type are each reported in one run', () => {
    const o = base();
    o.overrides.push({ ...o.overrides[find(o, 'UNKNOWN_TYPE', 'int')]! });
    o.overrides[find(o, 'UNNAMED_TYPE', 'Client.muteLocal', 'options')]!.fix = { typeName: 'MuteLocalOptions', type: 'string' };
    o.overrides[find(o, 'UNTYPED_PARAM', 'Client.setUserVisibility', 'enable')]!.fix = { type: 'boolean |' };
    const r = buildWith(pageSources(), o);
    expect(r.problems).toHaveLength(3);
    expect(r.problems.join('\n')).toMatch(/DUPLICATE_OVERRIDE int: /);
    expect(r.problems.join('\n')).toMatch(/OVERRIDE_INVALID Client\.muteLocal\(options\): a fix for UNNAMED_TYPE can set typeName, not type/);
    expect(r.problems.join('\n')).toMatch(/OVERRIDE_INVALID Client\.setUserVisibility\(enable\): fix.type "boolean \|" is not a TypeScript type/);
  });

  it('fixes that contradict each other are caught when the spec is put together', () => {
    const o = base();
    o.overrides[find(o, 'RETURN_TYPE_MISMATCH', 'Client.setBusinessId')]!.fix = { returns: 'string' };
    const r = buildWith(pageSources(), o);
    expect(r.problems).toEqual([expect.stringMatching(/^spec\/docs\/client\.md:97: RETURNS_INCONSISTENT Client\.setBusinessId: /)]);
  });

  it('an override cannot paper over a damaged page', () => {
    const sources = pageSources();
    at(sources, CLIENT).text = at(sources, CLIENT).text.replace('### leave', '### leaving');
    const o = base();
    o.overrides.push({ code: 'SECTION_MISSING', subject: 'Client.leave', reason: 'try', fix: { present: false } });
    const r = buildWith(sources, o);
    expect(r.problems.join('\n')).toMatch(/OVERRIDE_NOT_ALLOWED Client\.leave: SECTION_MISSING is damage to the page itself/);
    expect(r.problems.join('\n')).toMatch(/NOT_IN_MEMBER_TABLE Client\.leaving: .*\[fix the page/);
  });

  it('a malformed overrides file is a problem, not a crash', () => {
    expect(buildWith(pageSources(), '{ not json').problems[0]).toMatch(/^spec\/overrides\.json:1: OVERRIDES_INVALID overrides: not JSON/);
    expect(buildWith(pageSources(), '[]').problems[0]).toMatch(/OVERRIDES_INVALID/);
    const r = buildWith(pageSources(), { overrides: [{ code: 'X', subject: 'Y', fix: {} }, 42] });
    expect(r.problems.filter((p) => p.includes('OVERRIDES_INVALID'))).toHaveLength(2);
  });

  it('the file is checked against spec/overrides.schema.json (generated from its types), each error at its line', () => {
    const text = [
      '{',
      '  "pages": { "spec/docs/client.md": { "docId": "78567" } },',
      '  "overrides": [',
      '    { "code": "UNKNOWN_TYPE", "subject": "int", "reason": "x",',
      '      "fix": { "tpye": "number" } },',
      '    { "code": "lower", "subject": "int",',
      '      "fix": { "type": 3 } }',
      '  ]',
      '}',
    ].join('\n');
    const invalid = buildWith(pageSources(), text).problems.filter((p) => p.includes('OVERRIDES_INVALID'));
    expect(invalid).toEqual([
      'spec/overrides.json:5: OVERRIDES_INVALID /overrides/0/fix: must NOT have additional properties "tpye"',
      "spec/overrides.json:6: OVERRIDES_INVALID /overrides/1: must have required property 'reason'",
      'spec/overrides.json:6: OVERRIDES_INVALID /overrides/1/code: must match pattern "^[A-Z][A-Z0-9_]*$"',
      'spec/overrides.json:7: OVERRIDES_INVALID /overrides/1/fix/type: must be string',
    ]);
  });

  it('a signature override repairs a section whose block is missing', () => {
    const sources = pageSources();
    // The vendor drops leave's fence: the section keeps its table.
    at(sources, CLIENT).text = at(sources, CLIENT).text.replace(/### leave\n\n```typescript\n[\s\S]*?```\n/, '### leave\n\n');
    const o = base();
    const plain = buildWith(sources, o);
    expect(plain.problems).toEqual([expect.stringMatching(/^spec\/docs\/client\.md:147: SIGNATURE_MISSING Client\.leave: /)]);
    o.overrides.push({
      code: 'SIGNATURE_MISSING',
      subject: 'Client.leave',
      reason: 'The block fell out of the page; this is the one the vendor had.',
      fix: { signature: 'leave(onSuccess: () => void, onFailure: (err: VolcEngineRTCError) => void): void' },
    });
    const fixed = buildWith(sources, o);
    expect(fixed.problems).toEqual([]);
    expect(fixed.spec!.classes[0]!.methods.find((m) => m.name === 'leave')!.callbacks).toMatchObject({ success: [], optional: true, formReturns: 'promise' });
  });
});
