import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import {
  AbortedError,
  BrokenCircuitError,
  BulkheadFullError,
  IsolatedCircuitError,
  RateLimitedError,
  RetryExhaustedError,
  TimeoutError,
} from '../../src/core/errors.js';
import type { RetryBudget } from '../../src/core/retry-budget.js';
import { type Backoff, backoff } from '../../src/policies/backoff.js';
import { type RetryEvents, retry } from '../../src/policies/retry.js';
import { track } from './helpers.js';

/** A backoff that counts how many sequences were started. */
function countingBackoff(ms: number): Backoff & { starts: number } {
  const recipe = {
    starts: 0,
    start() {
      recipe.starts++;
      return { next: () => ms };
    },
  };
  return recipe;
}

/** An operation that fails `failures` times (with fresh errors) and then returns 'ok'. */
function flaky(failures: number) {
  const errors: Error[] = [];
  const attempts: number[] = [];
  const fn = (ctx: { attempt: number }): string => {
    attempts.push(ctx.attempt);
    if (errors.length < failures) {
      const error = new Error(`failure ${errors.length + 1}`);
      errors.push(error);
      throw error;
    }
    return 'ok';
  };
  return { fn, errors, attempts };
}

describe('retry', () => {
  it('returns the first success without starting a backoff sequence', async () => {
    const recipe = countingBackoff(10);
    const policy = retry({ backoff: recipe, clock: new ManualClock() });
    await expect(policy.execute(() => 42)).resolves.toBe(42);
    expect(recipe.starts).toBe(0);
  });

  it('retries failures with the backoff delay between tries, numbering each try', async () => {
    const clock = new ManualClock();
    const { fn, attempts } = flaky(2);
    const result = track(retry({ backoff: backoff.constant(100), clock }).execute(fn));
    await clock.advance(0);
    expect(attempts).toEqual([1]);
    await clock.advance(99);
    expect(attempts).toEqual([1]);
    await clock.advance(1);
    expect(attempts).toEqual([1, 2]);
    await clock.advance(100);
    expect(attempts).toEqual([1, 2, 3]);
    expect(result.value).toBe('ok');
  });

  it('makes maxAttempts tries in all (default 3) and throws RetryExhaustedError with the last error as cause', async () => {
    const clock = new ManualClock();
    const { fn, errors, attempts } = flaky(Infinity);
    const result = track(retry({ backoff: backoff.constant(10), clock }).execute(fn));
    await clock.advance(1000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(result.state).toBe('rejected');
    const error = result.error as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.code).toBe('RETRY_EXHAUSTED');
    expect(error.attempts).toBe(3);
    expect(error.reason).toBe('exhausted');
    expect(error.cause).toBe(errors[2]);
  });

  it('rethrowLastError: true rethrows the last error as the same object', async () => {
    const clock = new ManualClock();
    const { fn, errors } = flaky(Infinity);
    const result = track(retry({ backoff: backoff.constant(10), clock, rethrowLastError: true }).execute(fn));
    await clock.advance(1000);
    expect(result.error).toBe(errors[2]);
  });

  it('emits success and failure with the duration from the first try and the tries made', async () => {
    const clock = new ManualClock();
    const policy = retry({ backoff: backoff.constant(10), clock });
    const seen: Array<[string, number, number]> = [];
    policy.on('success', (e) => seen.push(['success', e.durationMs, e.attempts]));
    policy.on('failure', (e) => seen.push(['failure', e.durationMs, e.attempts]));
    const ok = flaky(1);
    const first = track(policy.execute(ok.fn));
    await clock.advance(100);
    expect(first.state).toBe('fulfilled');
    const bad = flaky(Infinity);
    const second = track(policy.execute(bad.fn));
    await clock.advance(100);
    expect(second.state).toBe('rejected');
    expect(seen).toEqual([
      ['success', 10, 2],
      ['failure', 20, 3],
    ]);
  });

  it('maxAttempts: 1 makes a single try', async () => {
    const { fn, attempts } = flaky(Infinity);
    await expect(retry({ maxAttempts: 1, clock: new ManualClock() }).execute(fn)).rejects.toThrow('failure 1');
    expect(attempts).toEqual([1]);
  });

  it('does not retry an error retryOn rejects', async () => {
    const clock = new ManualClock();
    const { fn, attempts } = flaky(Infinity);
    const policy = retry({ retryOn: (error) => (error as Error).message !== 'failure 1', clock });
    await expect(policy.execute(fn)).rejects.toThrow('failure 1');
    expect(attempts).toEqual([1]);
  });

  it.each([
    ['BrokenCircuitError', new BrokenCircuitError()],
    ['IsolatedCircuitError', new IsolatedCircuitError()],
    ['BulkheadFullError', new BulkheadFullError()],
    ['AbortedError', new AbortedError()],
  ])('by default does not retry the non-transient %s', async (_name, error) => {
    let calls = 0;
    const policy = retry({ backoff: backoff.constant(0), clock: new ManualClock() });
    await expect(
      policy.execute(() => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('by default retries a TimeoutError and a RateLimitedError', async () => {
    const clock = new ManualClock();
    const errors = [new TimeoutError(5), new RateLimitedError(1)];
    let calls = 0;
    const result = track(
      retry({ backoff: backoff.constant(0), clock }).execute(() => {
        const error = errors[calls++];
        if (error) throw error;
        return 'done';
      }),
    );
    await clock.advance(10);
    expect(calls).toBe(3);
    expect(result.value).toBe('done');
  });

  it('retries results retryOnResult rejects, and returns the last result when tries run out', async () => {
    const clock = new ManualClock();
    const results = [503, 503, 503, 200];
    let calls = 0;
    const policy = retry({ retryOnResult: (status) => status === 503, backoff: backoff.constant(5), clock });
    const first = track(policy.execute(() => results[calls++]));
    await clock.advance(100);
    expect(first.value).toBe(503);
    expect(calls).toBe(3);

    const second = track(policy.execute(() => results[calls++]));
    await clock.advance(100);
    expect(second.value).toBe(200);
  });

  it('honours retryAfterMs on the error as the minimum wait', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const policy = retry({ backoff: backoff.constant(100), clock });
    const result = track(
      policy.execute(() => {
        if (++calls === 1) throw new RateLimitedError(5000);
        return 'admitted';
      }),
    );
    await clock.advance(4999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    expect(result.value).toBe('admitted');
  });

  it('keeps the backoff delay when it is longer than retryAfterMs', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const policy = retry({ maxAttempts: 2, backoff: backoff.constant(300), clock });
    policy.on('retry', (event) => delays.push(event.delayMs));
    const result = track(policy.execute(() => Promise.reject(Object.assign(new Error('429'), { retryAfterMs: 50 }))));
    await clock.advance(300);
    expect(delays).toEqual([300]);
    expect(result.state).toBe('rejected');
  });

  it('does not start a wait that would end past maxElapsedMs', async () => {
    const clock = new ManualClock();
    const { fn, errors, attempts } = flaky(Infinity);
    const policy = retry({ maxAttempts: 10, maxElapsedMs: 250, backoff: backoff.constant(100), clock });
    const reasons: string[] = [];
    policy.on('giveUp', (event) => reasons.push(event.reason));
    const result = track(policy.execute(fn));
    await clock.advance(1000);
    // Tries at 0, 100, 200; a wait from 200 would end at 300 > 250.
    expect(attempts).toEqual([1, 2, 3]);
    expect(result.error).toMatchObject({ code: 'RETRY_EXHAUSTED', reason: 'elapsed', attempts: 3, cause: errors[2] });
    expect(reasons).toEqual(['elapsed']);
  });

  it('records one request per call and gives up when the budget denies a retry', async () => {
    const clock = new ManualClock();
    let requests = 0;
    let granted = 1;
    const budget: RetryBudget = {
      recordRequest: () => void requests++,
      tryRetry: () => granted-- > 0,
    };
    const policy = retry({ maxAttempts: 5, backoff: backoff.constant(10), retryBudget: budget, clock });
    const reasons: string[] = [];
    policy.on('giveUp', (event) => reasons.push(event.reason));
    const { fn, attempts, errors } = flaky(Infinity);
    const result = track(policy.execute(fn));
    await clock.advance(100);
    expect(requests).toBe(1);
    expect(attempts).toEqual([1, 2]);
    expect(result.error).toMatchObject({ code: 'RETRY_EXHAUSTED', reason: 'budget', attempts: 2, cause: errors[1] });
    expect(reasons).toEqual(['budget']);
  });

  it('does not spend budget on a failure that is not retried', async () => {
    let retries = 0;
    const budget: RetryBudget = { recordRequest: () => undefined, tryRetry: () => (retries++, true) };
    const policy = retry({ maxAttempts: 1, retryBudget: budget, clock: new ManualClock() });
    await expect(policy.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(retries).toBe(0);
  });

  it('emits retry before each wait and giveUp with the reason', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 3, backoff: backoff.constant(7), clock });
    const retries: Array<RetryEvents['retry']> = [];
    const giveUps: Array<RetryEvents['giveUp']> = [];
    policy.on('retry', (e) => retries.push(e));
    policy.on('giveUp', (e) => giveUps.push(e));
    const { fn, errors } = flaky(Infinity);
    const result = track(policy.execute(fn));
    await clock.advance(100);
    expect(result.state).toBe('rejected');
    expect(retries).toEqual([
      { attempt: 1, delayMs: 7, error: errors[0] },
      { attempt: 2, delayMs: 7, error: errors[1] },
    ]);
    expect(giveUps).toEqual([{ attempts: 3, reason: 'exhausted', error: errors[2] }]);
  });

  it("gives up with reason 'not-retryable' and the error", async () => {
    const policy = retry({ retryOn: () => false, clock: new ManualClock() });
    const giveUps: Array<RetryEvents['giveUp']> = [];
    policy.on('giveUp', (e) => giveUps.push(e));
    const error = new Error('bad request');
    await expect(policy.execute(() => Promise.reject(error))).rejects.toBe(error);
    expect(giveUps).toEqual([{ attempts: 1, reason: 'not-retryable', error }]);
  });

  it('passes the caller signal to every try', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = track(
      retry({ backoff: backoff.constant(1), clock }).execute(
        (ctx) => {
          signals.push(ctx.signal);
          if (signals.length < 3) throw new Error('again');
          return 'ok';
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    expect(result.value).toBe('ok');
    expect(signals).toEqual([controller.signal, controller.signal, controller.signal]);
  });

  it('abort: a signal aborted during a try stops retrying and rethrows that try\'s error', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const policy = retry({ backoff: backoff.constant(1), clock });
    const reasons: string[] = [];
    policy.on('giveUp', (e) => reasons.push(e.reason));
    let calls = 0;
    const error = new Error('socket closed');
    const result = track(
      policy.execute(
        () => {
          calls++;
          controller.abort();
          throw error;
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    expect(calls).toBe(1);
    expect(result.error).toBe(error);
    expect(reasons).toEqual(['aborted']);
  });

  it('abort: an already aborted signal rejects without calling fn', async () => {
    let calls = 0;
    const controller = new AbortController();
    controller.abort();
    await expect(retry().execute(() => calls++, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toBe(0);
  });

  it('rejects bad options, naming the option', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(/maxAttempts must be an integer >= 1/);
    expect(() => retry({ maxAttempts: 2.5 })).toThrow(/maxAttempts/);
    expect(() => retry({ maxElapsedMs: -1 })).toThrow(/maxElapsedMs must be a finite number >= 0/);
    expect(() => retry({ backoff: {} as Backoff })).toThrow(/backoff must be a Backoff/);
    expect(() => retry({ retryOn: 'yes' as unknown as () => boolean })).toThrow(/retryOn must be a function/);
    expect(() => retry({ retryBudget: {} as RetryBudget })).toThrow(/retryBudget must be a RetryBudget/);
  });

  it('feeds random to the default backoff, so its jitter is reproducible', async () => {
    const run = async (random: () => number): Promise<number[]> => {
      const clock = new ManualClock();
      const policy = retry({ maxAttempts: 4, random, clock });
      const delays: number[] = [];
      policy.on('retry', (e) => delays.push(e.delayMs));
      const result = track(policy.execute(() => Promise.reject(new Error('x'))));
      await clock.advance(60_000);
      expect(result.state).toBe('rejected');
      return delays;
    };
    // Decorrelated jitter draws from [100, 3 * previous]: random 0 stays at 100; random 0.5
    // gives 100 + 0.5 * (300 - 100) = 200, then 100 + 0.5 * (600 - 100) = 350, then 575.
    expect(await run(() => 0)).toEqual([100, 100, 100]);
    expect(await run(() => 0.5)).toEqual([200, 350, 575]);
    expect(() => retry({ random: () => 0, backoff: backoff.constant(1) })).toThrow(/random applies to the default backoff only/);
  });

  it('accepts maxAttempts: Infinity bounded by maxElapsedMs', async () => {
    const clock = new ManualClock();
    const { fn, attempts } = flaky(Infinity);
    const result = track(retry({ maxAttempts: Infinity, maxElapsedMs: 1000, backoff: backoff.constant(100), clock }).execute(fn));
    await clock.advance(5000);
    expect(result.state).toBe('rejected');
    expect(attempts).toHaveLength(11);
  });
});
