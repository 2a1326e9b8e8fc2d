// The guard's command checks against the library's own AMF decoder: whatever the guard lets
// through, the library decodes without throwing and reads the same fields (fast-check, with
// commands encoded by the library's encoder and then damaged byte by byte). Plus the HTTP-FLV
// path rule.

import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCommand, checkData, type CommandLimits } from '../../src/media/relay/guard/commands.js';
import { DEFAULT_AMF0_LIMITS } from '../../src/media/relay/guard/amf0.js';
import { flvTarget } from '../../src/media/relay/guard/flv-front.js';

const require = createRequire(import.meta.url);
const AMF = require('node-media-server/src/protocol/amf.js') as {
  encodeAmf0Cmd(opt: Record<string, unknown>): Buffer;
  encodeAmf0Data(opt: Record<string, unknown>): Buffer;
  decodeAmf0Cmd(buf: Buffer): Record<string, any>;
  decodeAmf0Data(buf: Buffer): Record<string, any>;
};
const LIMITS: CommandLimits = { ...DEFAULT_AMF0_LIMITS, maxUrl: 2048, maxQuery: 2048 };

/** What the library does with a command message it received (rtmp.js invokeHandler and onConnect / onPublish / onPlay). */
function libraryReads(payload: Buffer): unknown {
  const m = AMF.decodeAmf0Cmd(payload);
  if (m.cmd === 'connect') {
    new URL(m.cmdObj.tcUrl);
    return { cmd: 'connect', app: m.cmdObj.app };
  }
  if (m.cmd === 'publish' || m.cmd === 'play') return { cmd: m.cmd, stream: m.streamName.split('?')[0] };
  return { cmd: m.cmd };
}

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const command = fc.oneof(
  fc.record({ app: name, tcUrl: fc.constantFrom('rtmp://127.0.0.1/live', 'rtmp://h:1935/a?x=1', 'nope', '') }).map(({ app, tcUrl }) => ({
    cmd: 'connect',
    transId: 1,
    cmdObj: { app, tcUrl, flashVer: 'FMLE/3.0', type: 'nonprivate' },
  })),
  fc.record({ which: fc.constantFrom('publish', 'play'), stream: name, query: fc.constantFrom('', '?e=0&n=abc', '?a?b') }).map(({ which, stream, query }) => ({
    cmd: which,
    transId: 4,
    cmdObj: null,
    streamName: stream + query,
    ...(which === 'publish' ? { type: 'live' } : { start: -2000 }),
  })),
  fc.constantFrom('createStream', 'releaseStream', 'FCPublish', 'deleteStream').map((cmd) => ({ cmd, transId: 2, cmdObj: null, streamName: 'x', streamId: 1 })),
);
const damage = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 3 });

describe('guard command checks', () => {
  it('property: a command the guard passes is decoded by the library without a throw, to the same command', () => {
    let passed = 0;
    fc.assert(
      fc.property(command, fc.oneof(fc.constant([]), damage), fc.oneof(fc.constant(0), fc.nat({ max: 8 })), (opt, flips, cut) => {
        const buf = Buffer.from(AMF.encodeAmf0Cmd(opt));
        for (const f of flips) buf[f.at % buf.length] = f.value;
        const payload = cut > 0 && cut < buf.length ? buf.subarray(0, buf.length - cut) : buf;
        const verdict = readCommand({ type: 20, streamId: 0, payload }, LIMITS);
        if ('reject' in verdict) return;
        passed += 1;
        const lib = libraryReads(payload) as { cmd: string; app?: string; stream?: string };
        if (verdict.kind === 'connect') expect(lib).toEqual({ cmd: 'connect', app: verdict.app });
        else if (verdict.kind === 'publish' || verdict.kind === 'play') expect(lib).toEqual({ cmd: verdict.kind, stream: verdict.stream });
        else expect(['publish', 'play', 'connect']).not.toContain(lib.cmd);
      }),
      { numRuns: 500 },
    );
    // Not vacuous: undamaged commands pass.
    expect(passed).toBeGreaterThan(50);
  });

  it('refuses the commands that crash the library', () => {
    const refuse = (opt: Record<string, unknown>) => readCommand({ type: 20, streamId: 0, payload: AMF.encodeAmf0Cmd(opt) }, LIMITS);
    expect(refuse({ cmd: 'connect', transId: 1, cmdObj: { app: 'live' } })).toMatchObject({ reject: expect.stringMatching(/tcUrl/) });
    expect(refuse({ cmd: 'connect', transId: 1, cmdObj: { app: 'live', tcUrl: 'not a url' } })).toMatchObject({ reject: expect.any(String) });
    expect(refuse({ cmd: 'connect', transId: 1, cmdObj: null })).toMatchObject({ reject: expect.any(String) });
    expect(refuse({ cmd: 'publish', transId: 1, cmdObj: null })).toMatchObject({ reject: expect.any(String) });
    for (const cmd of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(readCommand({ type: 20, streamId: 0, payload: Buffer.concat([Buffer.from([2, 0, cmd.length]), Buffer.from(cmd)]) }, LIMITS)).toMatchObject({
        reject: 'bad command name',
      });
    }
    expect(() => AMF.decodeAmf0Cmd(Buffer.concat([Buffer.from([2, 0, 11]), Buffer.from('constructor'), Buffer.from([5])]))).toThrow();
  });

  it('data messages: only those the library decodes within their bytes', () => {
    const data = (opt: Record<string, unknown>) => checkData({ type: 18, streamId: 1, payload: AMF.encodeAmf0Data(opt) }, DEFAULT_AMF0_LIMITS);
    expect(data({ cmd: '@setDataFrame', method: 'onMetaData', dataObj: { width: 320 } })).toBe(true);
    expect(data({ cmd: 'onMetaData', dataObj: { width: 320 } })).toBe(true);
    expect(data({ cmd: '@setDataFrame', method: 'onMetaData' })).toMatchObject({ reject: expect.any(String) });
    expect(data({ cmd: '@setDataFrame', method: 'onMetaData', dataObj: 5 })).toMatchObject({ reject: expect.any(String) });
    expect(data({ cmd: 'onCuePoint' })).toBe(true);
  });

  it('HTTP-FLV targets: only /<app>/<stream>.flv by the name rule, raw', () => {
    expect(flvTarget('/live/abc_-1.flv?x=1')).toEqual({ app: 'live', stream: 'abc_-1', query: 'x=1' });
    for (const bad of [
      '/a%20b/c.flv',
      '/',
      '/live/x',
      '/live/x.flv/',
      '/live/../x.flv',
      '//x.flv',
      '/a/b/c.flv',
      '/live/x.FLV',
      'live/x.flv',
      `/live/x.flv?${'a'.repeat(3000)}`,
    ]) {
      expect(flvTarget(bad), bad).toBeNull();
    }
  });
});
