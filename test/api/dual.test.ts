// The dual-API contract of src/runtime/dual.ts, method-independent: Promise / callback x
// success / failure, bad arguments, misbehaving callbacks. The generated Client's own matrix is in
// client-matrix.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ParamRule } from '../../src/runtime/args.js';
import { callAsync, callSync, type Run } from '../../src/runtime/dual.js';
import { rtcError } from '../../src/runtime/errors.js';

const INVALID_PARAMS = 100001;
const params: ParamRule[] = [
  { name_: 'id', rule_: 'string' },
  { name_: 'options', rule_: { type_: 'Opts', fields_: { audio: { rule_: 'boolean', optional_: true, default_: true } } } },
];

interface Method {
  name_: string;
  params_: ParamRule[];
  takesValue_?: boolean;
  run_: Run;
}
// The method-independent core, called with one record per test method.
const viaAsync = (s: Parameters<typeof callAsync>[0], m: Method, args: unknown[]) =>
  callAsync(s, m.name_, m.params_, m.run_, args, m.takesValue_) as Promise<string>;
const viaSync = (s: Parameters<typeof callSync>[0], m: Method, args: unknown[]) => callSync(s, m.name_, m.params_, m.run_, args);

function method(run: (a: unknown[]) => Promise<string>, successTakesValue = true): Method & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    name_: 'm',
    params_: params,
    takesValue_: successTakesValue,
    calls,
    run_: (a) => {
      calls.push(a);
      return run(a);
    },
  };
}

const sink = () => ({
  errors: [] as unknown[],
  emitError_(e: unknown) {
    this.errors.push(e);
  },
});
const tick = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.restoreAllMocks());

describe('Promise form', () => {
  it('resolves with the runtime value and passes a defaulted copy of the options', async () => {
    const opts = {};
    const m = method(async () => 'url');
    await expect(viaAsync(sink(), m, ['u', opts])).resolves.toBe('url');
    expect(m.calls[0]).toEqual(['u', { audio: true }]);
    expect(m.calls[0]![1]).not.toBe(opts);
    expect(opts).toEqual({});
  });

  it('rejects with the runtime error', async () => {
    const m = method(() => Promise.reject(rtcError(100002, 'not in room')));
    await expect(viaAsync(sink(), m, ['u', {}])).rejects.toMatchObject({ code: 100002, reason: 'not in room' });
  });

  it('turns a synchronous throw of the runtime into a rejection', async () => {
    const m = method(() => {
      throw new Error('boom');
    });
    let p: Promise<string> | undefined;
    expect(() => {
      p = viaAsync(sink(), m, ['u', {}]);
    }).not.toThrow();
    await expect(p).rejects.toMatchObject({ code: 200008 });
  });

  it('rejects bad arguments with INVALID_PARAMS and never reaches the runtime', async () => {
    for (const args of [[], [1, {}], ['u'], ['u', null], ['u', { audio: 'yes' }], ['u', { nope: true }]]) {
      const m = method(async () => 'x');
      await expect(viaAsync(sink(), m, args)).rejects.toMatchObject({ code: INVALID_PARAMS });
      expect(m.calls).toHaveLength(0);
    }
  });
});

describe('callback form', () => {
  it('calls onSuccess once with the value, never onFailure, and returns the same Promise', async () => {
    const ok = vi.fn();
    const bad = vi.fn();
    const p = viaAsync(
      sink(),
      method(async () => 'url'),
      ['u', {}, ok, bad],
    );
    await expect(p).resolves.toBe('url');
    await tick();
    expect(ok).toHaveBeenCalledTimes(1);
    expect(ok).toHaveBeenCalledWith('url');
    expect(bad).not.toHaveBeenCalled();
  });

  it('calls onSuccess with no arguments when the method resolves nothing', async () => {
    const ok = vi.fn();
    viaAsync(
      sink(),
      method(async () => 'ignored', false),
      ['u', {}, ok],
    );
    await tick();
    expect(ok).toHaveBeenCalledWith();
  });

  it('calls onFailure once, and nothing becomes an unhandled rejection', async () => {
    const ok = vi.fn();
    const bad = vi.fn();
    const s = sink();
    viaAsync(
      s,
      method(() => Promise.reject(rtcError(100005, 'again'))),
      ['u', {}, ok, bad],
    );
    await tick();
    expect(bad).toHaveBeenCalledTimes(1);
    expect(bad.mock.calls[0]![0]).toMatchObject({ code: 100005 });
    expect(ok).not.toHaveBeenCalled();
    expect(s.errors).toHaveLength(0);
  });

  it('returns a Promise that rejects when chained, while an unchained one is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const bad = vi.fn();
      viaAsync(
        sink(),
        method(() => Promise.reject(rtcError(100005, 'again'))),
        ['u', {}, undefined, bad],
      );
      const chained = viaAsync(
        sink(),
        method(() => Promise.reject(rtcError(100006, 'no'))),
        ['u', {}, undefined, bad],
      );
      await expect(chained).rejects.toMatchObject({ code: 100006 });
      await tick();
      await tick();
      expect(bad.mock.calls.map((c) => (c[0] as { code: number }).code).sort()).toEqual([100005, 100006]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('starts the callbacks early when a function stands where only optional options are left', async () => {
    const optional: ParamRule[] = [params[0]!, { ...params[1]!, optional_: true, default_: {} }];
    const m = { ...method(async () => 'url'), params_: optional };
    const ok = vi.fn();
    await expect(viaAsync(sink(), m, ['u', ok])).resolves.toBe('url');
    await tick();
    expect(ok).toHaveBeenCalledWith('url');
    expect(m.calls).toEqual([['u', { audio: true }]]);
    // A function where a required parameter goes is a bad argument, not a callback.
    const bad = vi.fn();
    await expect(
      viaAsync(
        sink(),
        method(async () => 'x'),
        ['u', bad],
      ),
    ).rejects.toMatchObject({ code: INVALID_PARAMS });
  });

  it('sends a failure with no onFailure to the error sink', async () => {
    const s = sink();
    viaAsync(
      s,
      method(() => Promise.reject(rtcError(100005, 'again'))),
      ['u', {}, () => {}],
    );
    viaAsync(
      s,
      method(async () => 'x'),
      [1, {}, undefined, undefined],
    );
    await tick();
    expect(s.errors.map((e) => (e as { code: number }).code).sort()).toEqual([INVALID_PARAMS, 100005]);
  });

  it('refuses callbacks that are not functions through the same channel', async () => {
    const bad = vi.fn();
    const m = method(async () => 'x');
    viaAsync(sink(), m, ['u', {}, 'not a function', bad]);
    await tick();
    expect(bad).toHaveBeenCalledWith(expect.objectContaining({ code: INVALID_PARAMS }));
    expect(m.calls).toHaveLength(0);
  });

  it('rethrows an app callback error in a fresh task and never calls the other callback', async () => {
    const thrown: unknown[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms === 0 && fn.toString().includes('throw')) {
        try {
          fn();
        } catch (e) {
          thrown.push(e);
        }
        return 0 as never;
      }
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const bad = vi.fn();
    viaAsync(
      sink(),
      method(async () => 'x'),
      [
        'u',
        {},
        () => {
          throw new Error('app bug');
        },
        bad,
      ],
    );
    await new Promise((r) => realSetTimeout(r, 0));
    expect(thrown).toEqual([new Error('app bug')]);
    expect(bad).not.toHaveBeenCalled();
  });
});

describe('sync methods', () => {
  it('run with checked arguments, and report bad ones to the error sink instead of throwing', () => {
    const s = sink();
    const run = vi.fn();
    const m = { name_: 'report', params_: [{ name_: 'code', rule_: 'number' }] as ParamRule[], run_: run };
    viaSync(s, m, [1001]);
    expect(run).toHaveBeenCalledWith([1001]);
    expect(() => viaSync(s, m, ['x'])).not.toThrow();
    expect(() => viaSync(s, m, [Number.NaN])).not.toThrow();
    expect(run).toHaveBeenCalledTimes(1);
    expect(s.errors).toEqual([expect.objectContaining({ code: INVALID_PARAMS }), expect.objectContaining({ code: INVALID_PARAMS })]);
  });

  it('reports a runtime throw to the error sink', () => {
    const s = sink();
    viaSync(
      s,
      {
        name_: 'x',
        params_: [],
        run_: () => {
          throw new Error('inner');
        },
      },
      [],
    );
    expect(s.errors).toEqual([expect.objectContaining({ code: 200008 })]);
  });
});
