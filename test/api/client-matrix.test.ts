// The generated Client against a test double of the runtime (the layer below): for EVERY method in
// the spec, Promise / callback form x success / failure, bad arguments, and the caller's objects
// left untouched. The methods come from spec/client.spec.json, so a new method is covered at once.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Rule } from '../../src/runtime/args.js';
import type { Method, Spec } from '../../codegen/spec/types.js';

const double = vi.hoisted(() => ({
  behaviour: 'succeed' as 'succeed' | 'fail' | 'throw',
  calls: [] as { method: string; args: unknown[] }[],
  errors: [] as unknown[],
}));

vi.mock('../../src/runtime/index.js', () => ({
  createRuntime: () =>
    new Proxy(
      {},
      {
        get(_t, name: string) {
          if (name === 'emitError_') return (e: unknown) => double.errors.push(e);
          if (name === 'then') return undefined;
          return (...args: unknown[]) => {
            double.calls.push({ method: name, args });
            if (double.behaviour === 'throw') throw new Error('runtime threw');
            if (double.behaviour === 'fail') return Promise.reject({ code: 100002, reason: 'double says no' });
            return Promise.resolve(`${name}-result`);
          };
        },
      },
    ),
}));

const { Client } = await import('../../src/generated/client.js');
const { RULES } = await import('../../src/generated/rules.js');

const spec = JSON.parse(readFileSync(new URL('../../spec/client.spec.json', import.meta.url), 'utf8')) as Spec;
const methods = spec.classes[0]!.methods;
const asyncMethods = methods.filter((m) => m.callbacks);
const syncMethods = methods.filter((m) => !m.callbacks);

function sample(rule: Rule): unknown {
  if (typeof rule === 'string') return { string: 'u1', number: 1, boolean: true, function: () => {}, unknown: 'x' }[rule];
  if ('oneOf_' in rule) return rule.oneOf_[0];
  const o: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(rule.fields_)) if (!f.optional_) o[k] = sample(f.rule_);
  return o;
}
const validArgs = (m: Method) => (RULES as Record<string, { rule_: Rule }[]>)[m.name]!.map((p) => sample(p.rule_));
const call = (c: InstanceType<typeof Client>, name: string, args: unknown[]): unknown =>
  (c as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  double.behaviour = 'succeed';
  double.calls.length = 0;
  double.errors.length = 0;
});

it('covers every method of the spec', () => {
  expect(asyncMethods.length + syncMethods.length).toBe(methods.length);
  expect(asyncMethods.map((m) => m.name)).toContain('join');
  expect(syncMethods.map((m) => m.name)).toContain('on');
});

describe.each(asyncMethods.map((m) => [m.name, m] as const))('%s', (name, m) => {
  const takesValue = (m.callbacks?.success.length ?? 0) > 0;

  it('Promise form: resolves with the runtime value', async () => {
    const c = new Client();
    const p = call(c, name, validArgs(m));
    expect(p).toBeInstanceOf(Promise);
    await expect(p).resolves.toBe(`${name}-result`);
    expect(double.calls.map((x) => x.method)).toEqual([name]);
  });

  it('Promise form: rejects with the runtime error, once', async () => {
    double.behaviour = 'fail';
    await expect(call(new Client(), name, validArgs(m))).rejects.toMatchObject({ code: 100002 });
  });

  it('Promise form: a runtime that throws still rejects, and nothing throws', async () => {
    double.behaviour = 'throw';
    let p: unknown;
    expect(() => (p = call(new Client(), name, validArgs(m)))).not.toThrow();
    await expect(p).rejects.toMatchObject({ code: 200008 });
  });

  it('callback form: onSuccess once, onFailure never, and returns the same Promise', async () => {
    const ok = vi.fn();
    const bad = vi.fn();
    const p = call(new Client(), name, [...validArgs(m), ok, bad]);
    expect(m.callbacks?.formReturns).toBe('promise');
    expect(p).toBeInstanceOf(Promise);
    // `.then` after a callback call (vendor-style apps do it) sees the same value as onSuccess.
    await expect(p).resolves.toBe(`${name}-result`);
    await tick();
    expect(ok).toHaveBeenCalledTimes(1);
    expect(ok.mock.calls[0]).toEqual(takesValue ? [`${name}-result`] : []);
    expect(bad).not.toHaveBeenCalled();
  });

  it('callback form: onFailure once, onSuccess never; the returned Promise rejects but is already handled', async () => {
    double.behaviour = 'fail';
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const ok = vi.fn();
      const bad = vi.fn();
      // Nobody chains on the returned Promise: still no unhandled rejection.
      const p = call(new Client(), name, [...validArgs(m), ok, bad]);
      expect(p).toBeInstanceOf(Promise);
      await tick();
      await tick();
      expect(bad).toHaveBeenCalledTimes(1);
      expect(bad.mock.calls[0]![0]).toMatchObject({ code: 100002, reason: 'double says no' });
      expect(ok).not.toHaveBeenCalled();
      // An app that does chain sees the same failure.
      await expect(p).rejects.toMatchObject({ code: 100002 });
      expect(unhandled).toEqual([]);
      expect(double.errors).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('callback form without onFailure: the failure reaches the ERROR channel', async () => {
    double.behaviour = 'fail';
    call(new Client(), name, [...validArgs(m), () => {}]);
    await tick();
    expect(double.errors).toEqual([expect.objectContaining({ code: 100002 })]);
  });

  it('bad arguments: INVALID_PARAMS through the same channel, runtime untouched', async () => {
    const args = validArgs(m);
    if (args.length === 0) {
      // Nothing positional to get wrong: a non-function callback is the bad argument.
      const bad = vi.fn();
      call(new Client(), name, ['not a function', bad]);
      await tick();
      expect(bad).toHaveBeenCalledWith(expect.objectContaining({ code: 100001 }));
    } else {
      const wrong = args.map((a) => (typeof a === 'string' ? 42 : 'wrong'));
      await expect(call(new Client(), name, wrong)).rejects.toMatchObject({ code: 100001 });
      const bad = vi.fn();
      call(new Client(), name, [...wrong, undefined, bad]);
      await tick();
      expect(bad).toHaveBeenCalledWith(expect.objectContaining({ code: 100001 }));
    }
    expect(double.calls).toEqual([]);
  });

  it("never mutates the caller's objects", async () => {
    const args = validArgs(m).map((a) => (typeof a === 'object' && a ? Object.freeze({ ...a }) : a));
    const before = JSON.stringify(args);
    await call(new Client(), name, args);
    expect(JSON.stringify(args)).toBe(before);
    const passed = double.calls[0]!.args;
    args.forEach((a, i) => {
      if (typeof a === 'object' && a) expect(passed[i]).not.toBe(a);
    });
  });
});

describe.each(syncMethods.map((m) => [m.name, m] as const))('%s (returns nothing)', (name, m) => {
  it('passes checked arguments to the runtime and returns undefined', () => {
    expect(call(new Client(), name, validArgs(m))).toBeUndefined();
    expect(double.calls.map((x) => x.method)).toEqual([name]);
  });

  it('reports bad arguments on the ERROR channel instead of throwing', () => {
    const wrong = validArgs(m).map((a) => (typeof a === 'string' ? 42 : 'wrong'));
    expect(() => call(new Client(), name, wrong)).not.toThrow();
    // Nothing at all is wrong only when some parameter is required.
    const anyRequired = m.params.some((p) => !p.optional);
    expect(() => call(new Client(), name, anyRequired ? [] : wrong)).not.toThrow();
    expect(double.calls).toEqual([]);
    expect(double.errors).toEqual([expect.objectContaining({ code: 100001 }), expect.objectContaining({ code: 100001 })]);
  });
});

describe('options', () => {
  it('applies documented defaults on a copy and refuses unknown keys', async () => {
    const opts = { video: false };
    await new Client().subscribe('u1', opts);
    expect(double.calls[0]!.args).toEqual(['u1', { video: false, audio: true, screen: false }]);
    expect(opts).toEqual({ video: false });
    await expect(new Client().subscribe('u1', { vidoe: true } as never)).rejects.toMatchObject({ code: 100001 });
    await expect(new Client().muteLocal({ audio: true } as never)).rejects.toMatchObject({ code: 100001 });
  });

  it('an option object whose every field has a default may be left out: the runtime gets the defaults', async () => {
    const optional = methods.filter((m) => m.params.some((p) => p.optional && p.default === '{}')).map((m) => m.name);
    expect(optional).toEqual(['subscribe', 'unsubscribe']);
    await new Client().subscribe('u1');
    await new Client().unsubscribe('u1');
    expect(double.calls.map((c) => c.args)).toEqual([
      ['u1', { video: true, audio: true, screen: false }],
      ['u1', { screen: false }],
    ]);
  });

  it('callback form with the option object left out (vendor style): subscribe(uid, ok, fail)', async () => {
    const ok = vi.fn();
    const bad = vi.fn();
    const c = new Client() as unknown as { subscribe(...a: unknown[]): Promise<string> };
    await expect(c.subscribe('u1', ok, bad)).resolves.toBe('subscribe-result');
    await c.subscribe('u1', undefined, ok);
    await tick();
    expect(ok.mock.calls).toEqual([['subscribe-result'], ['subscribe-result']]);
    expect(bad).not.toHaveBeenCalled();
    expect(double.calls.map((x) => x.args)).toEqual([
      ['u1', { video: true, audio: true, screen: false }],
      ['u1', { video: true, audio: true, screen: false }],
    ]);
  });

  it('off without a listener and removeAllListeners without an event reach the runtime', () => {
    new Client().off('stream-added');
    new Client().removeAllListeners();
    new Client().removeAllListeners('peer-leave');
    expect(double.calls).toEqual([
      { method: 'off', args: ['stream-added', undefined] },
      { method: 'removeAllListeners', args: [undefined] },
      { method: 'removeAllListeners', args: ['peer-leave'] },
    ]);
    expect(double.errors).toEqual([]);
  });

  it('marks the methods of our own page', () => {
    expect(methods.filter((m) => m.origin === 'ours').map((m) => m.name)).toEqual(['updateToken', 'once', 'removeAllListeners']);
    expect(methods.find((m) => m.name === 'off')?.extension?.source.file).toBe('spec/docs/client-ours.md');
  });

  it('lets open types through with their extra keys', () => {
    new Client().reportPusherNetStatusChange({ videoFPS: 15, someFutureField: 'x' });
    expect(double.calls[0]!.args[0]).toEqual({ videoFPS: 15, someFutureField: 'x' });
  });

  it('refuses an unknown event name in on', () => {
    new Client().on('no-such-event' as never, () => {});
    expect(double.errors).toEqual([expect.objectContaining({ code: 100001 })]);
  });
});
