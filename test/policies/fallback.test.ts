import { describe, expect, it } from 'vitest';
import type { ExecContext } from '../../src/core/context.js';
import { AbortedError, TimeoutError } from '../../src/core/errors.js';
import { fallback } from '../../src/policies/fallback.js';
import { deferred, track } from './helpers.js';
import { flush } from '../support/async.js';

describe('fallback', () => {
  it('passes a success through untouched', async () => {
    await expect(fallback({ value: 'cached' }).execute(() => 'live')).resolves.toBe('live');
  });

  it('returns value in place of a failure', async () => {
    await expect(fallback({ value: 'cached' }).execute(() => Promise.reject(new Error('down')))).resolves.toBe('cached');
  });

  it('accepts an explicit value: undefined', async () => {
    await expect(fallback({ value: undefined }).execute(() => Promise.reject(new Error('down')))).resolves.toBeUndefined();
  });

  it('calls fn with the error and the context, and returns its (async) result', async () => {
    const error = new Error('down');
    let seen: [unknown, ExecContext] | undefined;
    const policy = fallback({
      fn: async (e, ctx) => {
        seen = [e, ctx];
        return 'computed';
      },
    });
    await expect(policy.execute(() => Promise.reject(error))).resolves.toBe('computed');
    expect(seen?.[0]).toBe(error);
    expect(seen?.[1].attempt).toBe(1);
  });

  it("rejects with fn's own error when the substitute fails", async () => {
    const substituteError = new Error('cache down too');
    const policy = fallback({
      fn: () => {
        throw substituteError;
      },
    });
    await expect(policy.execute(() => Promise.reject(new Error('down')))).rejects.toBe(substituteError);
  });

  it('rethrows errors handle rejects, unchanged', async () => {
    const error = new TimeoutError(10);
    const policy = fallback({ value: 0, handle: (e) => !(e instanceof TimeoutError) });
    await expect(policy.execute(() => Promise.reject(error))).rejects.toBe(error);
    await expect(policy.execute(() => Promise.reject(new Error('other')))).resolves.toBe(0);
  });

  it('by default does not substitute for an AbortedError', async () => {
    const error = new AbortedError();
    await expect(fallback({ value: 'x' }).execute(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('abort: by default gives no substitute once the caller has aborted, whatever the error', async () => {
    const controller = new AbortController();
    const work = deferred<string>();
    const result = track(fallback({ value: 'stale' }).execute(() => work.promise, { signal: controller.signal }));
    controller.abort();
    const error = new Error('socket hang up');
    work.reject(error);
    await flush();
    expect(result.error).toBe(error);
  });

  it('abort: an already aborted signal rejects with AbortedError without calling fn', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    await expect(fallback({ value: 1 }).execute(() => (called = true), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(called).toBe(false);
  });

  it('a custom handle decides alone, even for an abort', async () => {
    const policy = fallback({ value: 'anyway', handle: () => true });
    await expect(policy.execute(() => Promise.reject(new AbortedError()))).resolves.toBe('anyway');
  });

  it('emits fallback with the error it replaced', async () => {
    const policy = fallback({ value: 1 });
    const events: unknown[] = [];
    policy.on('fallback', (e) => events.push(e));
    const error = new Error('down');
    await policy.execute(() => Promise.reject(error));
    await policy.execute(() => 2);
    expect(events).toEqual([{ error }]);
  });

  it('requires exactly one of value and fn', () => {
    expect(() => fallback({})).toThrow(/give `value` \(the substitute\) or `fn`/);
    expect(() => fallback({ value: 1, fn: () => 2 })).toThrow(/either `value` or `fn`, not both/);
    expect(() => fallback({ fn: 'x' as unknown as () => number })).toThrow(/fn must be a function/);
    expect(() => fallback({ value: 1, handle: true as unknown as () => boolean })).toThrow(/handle must be a function/);
  });
});
