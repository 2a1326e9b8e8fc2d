// The vendor's English edition: same format, English headers (Parameter / Type / Required /
// Default, Yes / No / None / -), "XXX configuration" tables, **Note**, #### Returns. Our fixture
// page holds a few methods with the same defects; it must read exactly like the Chinese page.
import { describe, expect, it } from 'vitest';
import { diagKey } from '../../codegen/reconcile/model.js';
import { buildWith, ERRORS, EVENTS, fixture, OURS, page, pageOverrides, pageSources } from './helpers.js';

const EN = 'spec/docs/client.md'; // the English page stands where the vendor page would
const enSources = () => [{ file: EN, text: fixture('client-en.md') }, ...[EVENTS, ERRORS].map((file) => ({ file, text: page(file) }))];
const strip = (m: object) =>
  JSON.parse(JSON.stringify(m, (k, v) => (['description', 'descriptions', 'remarks', 'links', 'source', 'line'].includes(k) ? undefined : v)));

describe('English edition', () => {
  // The vendor's pages only: the English edition has no page of ours beside it.
  const zh = buildWith(
    pageSources().filter((x) => x.file !== OURS),
    pageOverrides(),
  );
  const names = zh.spec!.classes[0]!.methods.map((m) => m.name);
  const inFixture = ['init', 'setBusinessId', 'join', 'publish', 'subscribe', 'muteRemote', 'setUserVisibility', 'on', 'off', 'reportPusherNetStatusChange'];
  // The reviewed overrides, restricted to what the fixture page contains.
  const all = pageOverrides();
  const overrides = {
    ...all,
    // Content corrections are about the Chinese page's own words.
    overrides: all.overrides.filter((o) => {
      if (o.code === 'ERRATUM' || o.code === 'UNKNOWN_IDENTIFIER') return false;
      const s = String(o.subject);
      return s.startsWith('Client.') ? inFixture.includes(s.slice(7)) : true;
    }),
  };
  const en = buildWith(enSources(), overrides);

  it('builds with no problem', () => {
    expect(en.problems).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(inFixture));
  });

  it('reads each method exactly as the Chinese page does (ignoring prose)', () => {
    const enMethods = en.spec!.classes[0]!.methods;
    expect(enMethods.map((m) => m.name)).toEqual(inFixture);
    for (const m of enMethods) {
      const twin = zh.spec!.classes[0]!.methods.find((x) => x.name === m.name)!;
      expect(strip(m), m.name).toEqual(strip(twin));
    }
  });

  it('reads the same types', () => {
    for (const n of ['SubOptions', 'MuteRemoteOptions', 'VolcEngineRTCError', 'WxMediaState']) {
      const a = en.spec!.types.find((t) => t.name === n)!;
      const b = zh.spec!.types.find((t) => t.name === n)!;
      expect(strip(a), n).toEqual(strip(b));
    }
  });

  it('finds the same defects', () => {
    const keys = (ds: typeof en.diagnostics) => ds.map(diagKey).sort();
    const zhKeys = keys(zh.diagnostics.filter((d) => d.code !== 'UNKNOWN_IDENTIFIER')).filter((k) => {
      const subject = k.split(' ')[1]!;
      return subject.startsWith('Client.') ? inFixture.includes(subject.slice(7)) : true;
    });
    expect(keys(en.diagnostics)).toEqual(zhKeys);
  });

  it('understands an indented fence, a short row and "See the table below"', () => {
    const sb = en.spec!.classes[0]!.methods.find((m) => m.name === 'setBusinessId')!;
    expect(sb.params.map((p) => p.name)).toEqual(['businessId']);
    const sub = en.spec!.classes[0]!.methods.find((m) => m.name === 'subscribe')!;
    expect(sub.params.map((p) => [p.name, p.optional, p.default])).toEqual([
      ['userId', false, undefined],
      ['options', true, '{}'], // every SubOptions field has a default: the OPTIONAL_OPTIONS rule
    ]);
  });
});
