// The vendor page disagrees with itself: each known defect yields its diagnostic, at its line,
// found by generic checks. The whole list is pinned so a new check or a lost one is noticed.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../codegen/reconcile/model.js';
import { buildWith, NO_OVERRIDES, pageSources } from './helpers.js';

const EXPECTED: [line: number, code: string, subject: string, param?: string][] = [
  [18, 'CALLBACK_FORM_RETURNS', 'Client'], // callback-style signatures say void, the member table Promise
  [22, 'RETURN_TYPE_MISMATCH', 'Client.setBusinessId'], // Promise<int> / signature boolean / onSuccess passes nothing
  [22, 'UNKNOWN_TYPE', 'int'],
  [27, 'RETURN_TYPE_MISMATCH', 'Client.subscribe'], // bare `string` for a callback method
  [58, 'REQUIRED_MISMATCH', 'Client', 'onSuccess/onFailure'], // 否 in every table, no `?` in the signatures
  [65, 'MISSING_DEFAULT', 'VolcEngineRTCError', 'code'],
  [66, 'MISSING_DEFAULT', 'VolcEngineRTCError', 'reason'],
  [109, 'CALLBACK_RETURNS_VALUE', 'Client.setBusinessId', 'onSuccess'],
  [109, 'PARAM_MISSING_IN_SIGNATURE', 'Client.setBusinessId', 'onSuccess'],
  [110, 'PARAM_MISSING_IN_SIGNATURE', 'Client.setBusinessId', 'onFailure'],
  [238, 'REQUIRED_BUT_ALL_DEFAULTED', 'Client.subscribe', 'options'],
  [254, 'UNKNOWN_IDENTIFIER', 'Client.subscribe', 'EVENT.STREAM_ADDED'], // the constant is EVENTS
  [278, 'REQUIRED_BUT_ALL_DEFAULTED', 'Client.unsubscribe', 'options'],
  [282, 'UNNAMED_TYPE', 'Client.unsubscribe', 'options'], // "options 配置"
  [312, 'PARAM_TYPE_MISMATCH', 'Client.muteLocal', 'options'], // string vs object literal
  [312, 'UNNAMED_TYPE', 'Client.muteLocal', 'options'],
  [340, 'PARAM_TYPE_MISMATCH', 'Client.muteRemote', 'options'],
  [340, 'REQUIRED_MISMATCH', 'Client.muteRemote', 'options.screen'], // default {screen: false} vs required screen
  [340, 'REQUIRED_WITH_DEFAULT', 'Client.muteRemote', 'options'],
  [340, 'UNNAMED_TYPE', 'Client.muteRemote', 'options'],
  [347, 'UNKNOWN_IDENTIFIER', 'Client.muteRemote', 'unSubscribe'], // the method is unsubscribe
  [351, 'UNTYPED_PARAM', 'Client.setUserVisibility', 'enable'],
  [351, 'UNTYPED_PARAM', 'Client.setUserVisibility', 'onFailure'],
  [351, 'UNTYPED_PARAM', 'Client.setUserVisibility', 'onSuccess'],
  [360, 'REQUIRED_MISMATCH', 'Client.setUserVisibility', 'onSuccess'], // 是 where every sibling says 否
  [361, 'REQUIRED_MISMATCH', 'Client.setUserVisibility', 'onFailure'],
  [382, 'CALLBACK_DROPS_PAYLOAD', 'Client.on', 'callback'],
  [401, 'CALLBACK_DROPS_PAYLOAD', 'Client.off', 'callback'],
  [410, 'MISSING_RETURN_TYPE', 'Client.reportPusherStateChange'],
  [427, 'MISSING_RETURN_TYPE', 'Client.reportPusherNetStatusChange'],
  [427, 'SIGNATURE_NAME_MISMATCH', 'Client.reportPusherNetStatusChange'],
  [437, 'PARAM_TYPE_MISMATCH', 'Client.reportPusherNetStatusChange', 'info'], // any vs WxMediaState
  [437, 'UNKNOWN_TYPE', 'WxMediaState'],
  [445, 'MISSING_RETURN_TYPE', 'Client.reportPlayerStateChange'],
  [463, 'MISSING_RETURN_TYPE', 'Client.reportPlayerNetStatusChange'],
  [474, 'PARAM_TYPE_MISMATCH', 'Client.reportPlayerNetStatusChange', 'info'],
];

describe('diagnostics on the real vendor page', () => {
  const r = buildWith(pageSources(), NO_OVERRIDES);

  it('finds exactly the known defects, each at its line', () => {
    const got = r.diagnostics.map((d) => [d.line, d.code, d.subject, ...(d.param ? [d.param] : [])]);
    expect(got).toEqual(EXPECTED.map((e) => e.filter((x) => x !== undefined)));
    expect(r.diagnostics.every((d) => d.file === 'spec/docs/client.md')).toBe(true);
  });

  it('fails, listing every unresolved diagnostic as file:line: CODE subject: message', () => {
    expect(r.spec).toBeUndefined();
    // A codegen rule answers the optional option objects (subscribe, unsubscribe) by itself.
    const open = r.diagnostics.filter((d) => !d.rule);
    expect(open).toHaveLength(EXPECTED.length - 2);
    expect(r.problems).toEqual(open.map(formatDiagnostic));
    for (const p of r.problems) expect(p).toMatch(/^spec\/docs\/client\.md:\d+: [A-Z_]+ \S+: .+/);
    expect(r.problems).toContain(
      'spec/docs/client.md:427: SIGNATURE_NAME_MISMATCH Client.reportPusherNetStatusChange: the signature block names `reportPusherStateChange`, not `reportPusherNetStatusChange`',
    );
  });

  it('writes messages a doc writer can act on', () => {
    const msg = (code: string, subject: string, param?: string) =>
      r.diagnostics.find((d) => d.code === code && d.subject === subject && d.param === param)!.message;
    expect(msg('RETURN_TYPE_MISMATCH', 'Client.setBusinessId')).toContain('`Promise<int>`');
    expect(msg('RETURN_TYPE_MISMATCH', 'Client.setBusinessId')).toContain('returns `boolean`');
    expect(msg('PARAM_TYPE_MISMATCH', 'Client.muteLocal', 'options')).toBe(
      'the signature types it `{ audio: boolean; video: boolean }` but the table says `string`',
    );
    expect(msg('UNKNOWN_TYPE', 'WxMediaState')).toContain('Client.reportPlayerNetStatusChange(info)');
    expect(msg('REQUIRED_MISMATCH', 'Client.setUserVisibility', 'onSuccess')).toMatch(/required here but optional in 11 other methods/);
  });

  it('does not flag the stray spaces inside the init member-table cell', () => {
    expect(r.diagnostics.some((d) => d.subject === 'Client.init')).toBe(false);
  });

  it('does not flag our own pages', () => {
    expect(r.diagnostics.filter((d) => d.file !== 'spec/docs/client.md')).toEqual([]);
  });
});
