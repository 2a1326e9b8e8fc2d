// `serve`'s limit flags: parsed into ServerConfig fields, bad values refused with the flag's name.
import { describe, expect, it } from 'vitest';
import { limitFlagConfig, limitFlagsHelp, normaliseLimitArgs } from '../../src/signaling/limit-flags.js';

describe('limit flags', () => {
  it('parse into config fields; a pair without its second part keeps the default', () => {
    expect(
      limitFlagConfig({ 'message-rate': '20/40', 'join-rate': '7', 'token-refusals': '3/1000', 'max-frame-bytes': '1024', 'send-buffer-bytes': '4096' }),
    ).toEqual({
      messageRate: { perSecond: 20, burst: 40 },
      joinRateLimit: { max: 7, windowMs: 10_000 },
      tokenRefusalLimit: { max: 3, windowMs: 1000 },
      maxFrameBytes: 1024,
      sendBufferBytes: 4096,
    });
    expect(limitFlagConfig({})).toEqual({});
  });

  it('--trust-proxy: bare means one hop; a number is hops; a list is the proxies', () => {
    expect(normaliseLimitArgs(['--trust-proxy'])).toEqual(['--trust-proxy=1']);
    expect(normaliseLimitArgs(['--trust-proxy', '--port', '0'])).toEqual(['--trust-proxy=1', '--port', '0']);
    expect(normaliseLimitArgs(['--trust-proxy', '2'])).toEqual(['--trust-proxy', '2']);
    expect(limitFlagConfig({ 'trust-proxy': '1' })).toEqual({ trustProxy: 1 });
    expect(limitFlagConfig({ 'trust-proxy': '10.0.0.1, 10.0.0.2' })).toEqual({ trustProxy: ['10.0.0.1', '10.0.0.2'] });
    expect(() => limitFlagConfig({ 'trust-proxy': 'proxy.example' })).toThrow(/trustProxy/);
  });

  it('refuse bad values by name', () => {
    expect(() => limitFlagConfig({ 'max-frame-bytes': 'lots' })).toThrow(/--max-frame-bytes/);
    expect(() => limitFlagConfig({ 'max-frame-bytes': '0' })).toThrow(/maxFrameBytes/);
    expect(() => limitFlagConfig({ 'message-rate': 'fast' })).toThrow(/--message-rate/);
    expect(() => limitFlagConfig({ 'join-rate': '0/100' })).toThrow(/joinRateLimit/);
  });

  it('the help shows the defaults resolveConfig applies', () => {
    const help = limitFlagsHelp();
    expect(help).toMatch(/--message-rate PER_S\[\/BURST\].*default 50\/200/);
    expect(help).toMatch(/--send-buffer-bytes N.*default 262144/);
  });
});
