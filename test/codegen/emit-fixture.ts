// A small hand-built Spec for the emitter's own tests, independent of the parser: the parser is
// tested against the real pages, the emitter against this.
import type { EventDef, Method, ObjectType, Param, Spec, TypeRef } from '../../codegen/spec/types.js';

const at = { file: 'spec/docs/fixture.md', line: 1 };
const str: TypeRef = { kind: 'primitive', name: 'string' };
const num: TypeRef = { kind: 'primitive', name: 'number' };
const bool: TypeRef = { kind: 'primitive', name: 'boolean' };
const voidT: TypeRef = { kind: 'primitive', name: 'void' };
const ref = (name: string): TypeRef => ({ kind: 'ref', name });
const p = (name: string, type: TypeRef, optional = false, def?: string): Param => ({
  name,
  type,
  optional,
  description: `The ${name}.`,
  ...(def !== undefined ? { default: def } : {}),
});
const asyncM = (name: string, params: Param[], success: Param[] = []): Method => ({
  name,
  origin: 'vendor',
  description: `Does ${name}. See [join](#join) and [STREAM_ADDED](78566#stream-added).`,
  params,
  callbacks: { success, optional: true, formReturns: 'promise', descriptions: { onSuccess: '', onFailure: '' } },
  returns: voidT,
  remarks: [`A note on ${name} with {braces} and @at.`],
  links: [
    { text: 'join', href: '#join', target: { kind: 'method', name: 'join' } },
    { text: 'STREAM_ADDED', href: '78566#stream-added', target: { kind: 'event', name: 'STREAM_ADDED' } },
  ],
  source: at,
});
const syncM = (name: string, params: Param[]): Method => ({
  name,
  origin: 'vendor',
  description: `Does ${name}.`,
  params,
  callbacks: null,
  returns: voidT,
  remarks: [],
  links: [],
  source: at,
});
const obj = (name: string, fields: Param[], open = false): ObjectType => ({
  name,
  description: `The ${name}.`,
  fields,
  open,
  origin: 'table',
  links: [],
  source: at,
});
const ev = (name: string, value: string, payload: string): EventDef => ({
  name,
  value,
  origin: 'vendor',
  description: `${name} happened.`,
  payload: ref(payload),
  links: [],
  source: at,
});

export function fixtureSpec(): Spec {
  return {
    specVersion: 1,
    sources: [{ file: 'spec/docs/fixture.md', sha256: '0'.repeat(64) }],
    classes: [
      {
        name: 'Client',
        description: 'The client.',
        source: at,
        methods: [
          asyncM('init', [p('appId', str)]),
          asyncM('join', [p('token', str), p('roomId', str), p('userId', str)], [p('userId', str)]),
          asyncM('subscribe', [p('userId', str), p('options', ref('SubOptions'))], [p('url', str)]),
          asyncM('muteLocal', [p('options', ref('MuteLocalOptions'))]),
          syncM('on', [p('event', str), p('callback', { kind: 'function', params: [], returns: voidT })]),
          syncM('off', [p('event', str), p('callback', { kind: 'function', params: [], returns: voidT })]),
          syncM('reportPusherNetStatusChange', [p('info', ref('WxMediaState'))]),
          syncM('reportPlayerStateChange', [p('uid', str), p('code', num), p('message', str)]),
        ],
      },
    ],
    types: [
      obj('VolcEngineRTCError', [p('code', num), p('reason', str)]),
      obj('SubOptions', [p('video', bool, true, 'true'), p('audio', bool, true, 'true'), p('screen', bool, true, 'false')]),
      obj('MuteLocalOptions', [p('audio', bool), p('video', bool)]),
      obj('WxMediaState', [p('videoFPS', num, true)], true),
      obj('StreamEvent', [p('uid', str), p('screen', bool)]),
      obj('StreamPublishState', [p('audio', bool), p('video', bool)]),
      obj('StreamAddedEvent', [p('uid', str), p('screen', bool), p('streamPublishState', ref('StreamPublishState'))]),
    ],
    events: [
      ev('STREAM_ADDED', 'stream-added', 'StreamAddedEvent'),
      ev('STREAM_REMOVED', 'stream-removed', 'StreamEvent'),
      ev('ERROR', 'error', 'VolcEngineRTCError'),
    ],
    errorCodes: [
      { name: 'INVALID_PARAMS', code: 100001, category: 'parameter', origin: 'vendor', description: 'Bad arguments.', source: at },
      { name: 'INTERNAL_ERROR', code: 200008, category: 'SDK internal', origin: 'ours', description: 'Unexpected.', source: at },
    ],
    diagnostics: [],
    errata: [],
    eventsPage: { description: 'The events.', links: [] },
    errorCodesPage: { description: 'The codes.', links: [] },
  };
}
