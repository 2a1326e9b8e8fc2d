// The per-subscriber gate reads messages exactly as node-media-server serialises them, so the
// tests build them with the relay's own RTMP and FLV muxers.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DeliveryGate, rewriteFlvHeader } from '../../src/media/relay/gate.js';
import { classifyFlv, classifyRtmp, type TagKind } from '../../src/media/relay/tags.js';

const require = createRequire(import.meta.url);
type Packet = { codec_type: number; flags: number; dts: number; pts: number; size: number; data: Buffer };
const Rtmp = require('node-media-server/src/protocol/rtmp.js') as { createMessage(p: Packet): Buffer };
const Flv = require('node-media-server/src/protocol/flv.js') as { createMessage(p: Packet): Buffer; createHeader(a: boolean, v: boolean): Buffer };

function packet(codec_type: number, data: number[], dts = 40): Packet {
  const buf = Buffer.from([...data, ...new Array(300).fill(0)]);
  return { codec_type, flags: 0, dts, pts: dts, size: buf.length, data: buf };
}

const samples: Array<[TagKind, Packet]> = [
  ['audio-config', packet(8, [0xaf, 0x00, 0x12, 0x10])],
  ['audio', packet(8, [0xaf, 0x01])],
  ['video-config', packet(9, [0x17, 0x00, 0, 0, 0])],
  ['video-key', packet(9, [0x17, 0x01, 0, 0, 0])],
  ['video', packet(9, [0x27, 0x01, 0, 0, 0])],
  ['video-config', packet(9, [0x90, 0x68, 0x76, 0x63, 0x31])], // enhanced RTMP, HEVC sequence start
  ['video-key', packet(9, [0x91, 0x68, 0x76, 0x63, 0x31])],
  ['video', packet(9, [0xa1, 0x68, 0x76, 0x63, 0x31])],
  ['script', packet(18, [0x02, 0x00, 0x0a])],
];

describe('message classification', () => {
  it('reads what each relay message carries, over RTMP and FLV, with large and extended timestamps', () => {
    for (const [kind, p] of samples) {
      expect(classifyRtmp(Rtmp.createMessage(p))).toBe(kind);
      expect(classifyFlv(Flv.createMessage(p))).toBe(kind);
      const late = { ...p, dts: 0x1000000, pts: 0x1000000 };
      expect(classifyRtmp(Rtmp.createMessage(late))).toBe(kind);
    }
    expect(classifyFlv(Flv.createHeader(true, true))).toBe('stream-header');
  });

  it('calls garbage "other" instead of throwing', () => {
    for (const junk of [Buffer.alloc(0), Buffer.from([0xff]), Buffer.alloc(5, 9), Buffer.from('FL')]) {
      expect(() => classifyRtmp(junk)).not.toThrow();
      expect(() => classifyFlv(junk)).not.toThrow();
    }
    expect(classifyRtmp(Buffer.alloc(3))).toBe('other');
  });
});

describe('DeliveryGate', () => {
  const run = (gate: DeliveryGate, kinds: TagKind[], hasVideo = true) => kinds.filter((k) => gate.admit(k, hasVideo));

  it('starts each subscriber on a keyframe', () => {
    const gate = new DeliveryGate({ audio: true, video: true });
    expect(run(gate, ['video-config', 'audio-config', 'audio', 'video', 'video-key', 'audio', 'video'])).toEqual([
      'video-config',
      'audio-config',
      'video-key',
      'audio',
      'video',
    ]);
  });

  it('passes only the granted tracks', () => {
    const all: TagKind[] = ['script', 'audio-config', 'video-config', 'video-key', 'audio', 'video'];
    expect(run(new DeliveryGate({ audio: false, video: true }), all)).toEqual(['script', 'video-config', 'video-key', 'video']);
    expect(run(new DeliveryGate({ audio: true, video: false }), all)).toEqual(['script', 'audio-config', 'audio']);
    expect(run(new DeliveryGate({ audio: false, video: false }), all)).toEqual(['script']);
  });

  it('drops frames while paused and resumes at the next keyframe', () => {
    const gate = new DeliveryGate({ audio: true, video: true });
    run(gate, ['video-key']);
    gate.setPaused(true);
    expect(run(gate, ['audio', 'video', 'video-key', 'video-config', 'audio-config'])).toEqual(['video-config', 'audio-config']);
    gate.setPaused(false);
    expect(run(gate, ['audio', 'video', 'video-key', 'audio', 'video'])).toEqual(['video-key', 'audio', 'video']);
  });

  it('does not hold audio back for a keyframe that an audio-only source never sends', () => {
    const gate = new DeliveryGate({ audio: true, video: true });
    expect(run(gate, ['audio-config', 'audio', 'audio'], false)).toEqual(['audio-config', 'audio', 'audio']);
  });

  it('makes the FLV header announce only the granted tracks', () => {
    const header = Flv.createHeader(true, true);
    expect(rewriteFlvHeader(header, { audio: false, video: true })[4]).toBe(0x01);
    expect(rewriteFlvHeader(header, { audio: true, video: false })[4]).toBe(0x04);
    expect(header[4]).toBe(0x05);
  });
});
