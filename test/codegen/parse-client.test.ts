// The real pages and the reviewed overrides give the spec the emitter and the runtime rely on.
import { describe, expect, it } from 'vitest';
import type { Method, Spec, TypeRef } from '../../codegen/spec/types.js';
import { buildWith, page, pageOverrides, pageSources } from './helpers.js';

function text(t: TypeRef): string {
  switch (t.kind) {
    case 'primitive':
    case 'ref':
      return t.name;
    case 'function':
      return `(${t.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${text(p.type)}`).join(', ')}) => ${text(t.returns)}`;
    case 'promise':
      return `Promise<${text(t.of)}>`;
    case 'array':
      return `${text(t.of)}[]`;
    case 'union':
      return t.of.map(text).join(' | ');
    case 'literal':
      return JSON.stringify(t.value);
  }
}

function shape(m: Method): string {
  const params = m.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${text(p.type)}${p.default !== undefined ? ` = ${p.default}` : ''}`).join(', ');
  const cb = m.callbacks
    ? ` [${m.callbacks.optional ? 'optional ' : ''}callbacks onSuccess(${m.callbacks.success.map((p) => `${p.name}: ${text(p.type)}`).join(', ')})]`
    : '';
  return `${m.name}(${params})${cb} -> ${text(m.returns)}`;
}

function spec(): Spec {
  const r = buildWith(pageSources(), pageOverrides());
  expect(r.problems).toEqual([]);
  return r.spec!;
}

describe('client.md + events.md + error-codes.md with spec/overrides.json', () => {
  const s = spec();
  const client = s.classes[0]!;
  const method = (n: string) => client.methods.find((m) => m.name === n)!;
  const type = (n: string) => s.types.find((t) => t.name === n)!;

  it('lists the methods in member-table order with the decided shapes', () => {
    expect(client.name).toBe('Client');
    expect(client.methods.map(shape)).toEqual([
      'init(appId: string) [optional callbacks onSuccess()] -> void',
      'destroy() [optional callbacks onSuccess()] -> void',
      'setBusinessId(businessId: string) [optional callbacks onSuccess(result: boolean)] -> boolean',
      'join(token: string, roomId: string, userId: string) [optional callbacks onSuccess(userId: string)] -> string',
      'leave() [optional callbacks onSuccess()] -> void',
      'publish() [optional callbacks onSuccess(url: string)] -> string',
      'unpublish() [optional callbacks onSuccess()] -> void',
      'subscribe(userId: string, options?: SubOptions = {}) [optional callbacks onSuccess(url: string)] -> string',
      'unsubscribe(userId: string, options?: UnsubscribeOptions = {}) [optional callbacks onSuccess()] -> void',
      'muteLocal(options: MuteLocalOptions) [optional callbacks onSuccess()] -> void',
      'muteRemote(userId: string, options: MuteRemoteOptions) [optional callbacks onSuccess()] -> void',
      'setUserVisibility(enable: boolean) [optional callbacks onSuccess()] -> void',
      'on(event: string, callback: (payload: unknown) => void) -> void',
      'off(event: string, callback?: (payload: unknown) => void) -> void',
      'reportPusherStateChange(code: number, message: string) -> void',
      'reportPusherNetStatusChange(info: WxMediaState) -> void',
      'reportPlayerStateChange(uid: string, code: number, message: string) -> void',
      'reportPlayerNetStatusChange(uid: string, info: WxMediaState) -> void',
      'updateToken(token: string) [optional callbacks onSuccess()] -> void',
      'once(event: string, callback: (payload: unknown) => void) -> void',
      'removeAllListeners(event?: string) -> void',
    ]);
  });

  it('defines the option, error and payload types', () => {
    const fields = (n: string) =>
      type(n).fields.map((f) => `${f.name}${f.optional ? '?' : ''}: ${text(f.type)}${f.default !== undefined ? ` = ${f.default}` : ''}`);
    expect(fields('SubOptions')).toEqual(['video?: boolean = true', 'audio?: boolean = true', 'screen?: boolean = false']);
    expect(fields('UnsubscribeOptions')).toEqual(['screen?: boolean = false']);
    expect(fields('MuteLocalOptions')).toEqual(['audio: boolean', 'video: boolean']);
    expect(fields('MuteRemoteOptions')).toEqual(['audio: boolean', 'video: boolean', 'screen?: boolean = false']);
    expect(fields('VolcEngineRTCError')).toEqual(['code: number', 'reason: string']);
    expect(fields('StreamAddedEvent')).toEqual(['uid: string', 'screen: boolean', 'streamPublishState: StreamPublishState']);
    expect(fields('WxMediaState')).toEqual(
      ['videoBitrate', 'audioBitrate', 'videoFPS', 'videoGOP', 'netSpeed', 'netJitter', 'videoWidth', 'videoHeight'].map((n) => `${n}?: number`),
    );
    expect([type('WxMediaState').open, type('SubOptions').open, type('MuteLocalOptions').open]).toEqual([true, false, false]);
    expect([type('SubOptions').origin, type('MuteLocalOptions').origin, type('UnsubscribeOptions').origin, type('WxMediaState').origin]).toEqual([
      'table',
      'signature',
      'table',
      'override',
    ]);
    expect(type('SubOptions').source).toEqual({ file: 'spec/docs/client.md', line: 242 });
    expect(s.types.map((t) => t.name)).toEqual([...s.types.map((t) => t.name)].sort());
  });

  it('reads events with their payloads, including "The payload is a `X`." sentences', () => {
    const ev = Object.fromEntries(s.events.map((e) => [e.name, [e.value, e.origin, text(e.payload)]]));
    expect(ev.STREAM_ADDED).toEqual(['stream-added', 'vendor', 'StreamAddedEvent']);
    expect(ev.MUTE_AUDIO).toEqual(['mute-audio', 'vendor', 'StreamEvent']);
    expect(ev.ERROR).toEqual(['error', 'ours', 'VolcEngineRTCError']);
    expect(s.events.map((e) => e.name).slice(0, 3)).toEqual(['STREAM_ADDED', 'STREAM_REMOVED', 'UPDATE_URL']);
  });

  it('reads every error code row', () => {
    const rows = page('spec/docs/error-codes.md')
      .split('\n')
      .filter((l) => /^\| [A-Z_]+ \| \d+ \|/.test(l));
    expect(s.errorCodes).toHaveLength(rows.length);
    expect(s.errorCodes[0]).toMatchObject({ name: 'INVALID_PARAMS', code: 100001, category: 'parameter', origin: 'vendor' });
    expect(s.errorCodes.find((e) => e.name === 'ROOM_FULL')).toMatchObject({ code: 400006, origin: 'ours' });
  });

  it('resolves links: same-page anchors, events by value, the events and error pages, and keeps unknown ones plain', () => {
    const join = method('join').links;
    expect(join).toContainEqual({ text: 'setUserVisibility', href: '78567#setuservisibility', target: { kind: 'method', name: 'setUserVisibility' } });
    expect(join).toContainEqual({ text: 'PEER_ONLINE', href: '78566#peer-online', target: { kind: 'event', name: 'PEER_ONLINE' } });
    // A vendor page we do not have: its published address (overrides.json vendorDocsUrl).
    expect(join).toContainEqual({ text: '上限', href: '1111496', url: 'https://www.volcengine.com/docs/6348/1111496' });
    expect(join.find((l) => l.href.startsWith('https://'))?.target).toBeUndefined();
    expect(method('on').links).toContainEqual({ text: '事件', href: '78566', target: { kind: 'page', name: 'EVENTS' } });
    // The link text as corrected by the UNKNOWN_IDENTIFIER override (the page says unSubscribe).
    expect(method('muteRemote').links).toContainEqual({ text: 'unsubscribe', href: '#unsubscribe', target: { kind: 'method', name: 'unsubscribe' } });
  });

  it('keeps descriptions, notes and inline HTML as Markdown', () => {
    expect(method('setBusinessId').description).toContain('设置业务标识参数');
    expect(method('join').remarks).toHaveLength(4);
    expect(method('leave').remarks[0]).toBe('与  [join](#join) 为逆操作。');
    expect(method('setUserVisibility').params[0]!.description).toContain('<li>');
    expect(method('setUserVisibility').remarks).toHaveLength(2);
    expect(method('reportPlayerStateChange').remarks[0]).toContain('状态码 code 详情');
    expect(client.description).toContain("require('./VolcEngineRTC_MiniApp')");
  });

  it('records every resolved diagnostic with its override reason', () => {
    // Every override, plus the diagnostics a codegen rule answered (optional option objects).
    const byRule = s.diagnostics.filter((x) => x.resolution.startsWith('Rule '));
    expect(byRule.map((x) => `${x.subject}(${x.param})`)).toEqual(['Client.subscribe(options)', 'Client.unsubscribe(options)']);
    expect(byRule[0]!.resolution).toMatch(/^Rule OPTIONAL_OPTIONS \(codegen\): every field/);
    // Errata correct prose without a diagnostic: they are listed in spec.errata instead.
    const errata = pageOverrides().overrides.filter((o) => o.code === 'ERRATUM');
    expect(s.errata.map((e) => e.subject)).toEqual(errata.map((o) => o.subject));
    expect(s.diagnostics).toHaveLength(pageOverrides().overrides.length - errata.length + byRule.length);
    const d = s.diagnostics.find((x) => x.code === 'SIGNATURE_NAME_MISMATCH')!;
    expect(d).toMatchObject({ file: 'spec/docs/client.md', line: 427, subject: 'Client.reportPusherNetStatusChange' });
    expect(d.resolution).toMatch(/copy-paste/);
  });

  it('hashes the pages it read', () => {
    expect(s.sources.map((x) => x.file)).toEqual(['spec/docs/client-ours.md', 'spec/docs/client.md', 'spec/docs/error-codes.md', 'spec/docs/events.md']);
    expect(s.sources.every((x) => /^[0-9a-f]{64}$/.test(x.sha256))).toBe(true);
  });
});
