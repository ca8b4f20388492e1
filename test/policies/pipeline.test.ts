import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Context, type ExecContext } from '../../src/core/context.js';
import { AbortedError, RetryExhaustedError, TimeoutError } from '../../src/core/errors.js';
import type { ExecuteOptions, Operation, Policy } from '../../src/core/policy.js';
import { backoff } from '../../src/policies/backoff.js';
import { fallback } from '../../src/policies/fallback.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { retry } from '../../src/policies/retry.js';
import { timeout } from '../../src/policies/timeout.js';
import { track } from './helpers.js';

/** A foreign policy (only `execute`) that logs when it enters and leaves. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
      log.push(`${name}>`);
      try {
        return await fn({ signal: options?.signal ?? new AbortController().signal, attempt: 1 });
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

describe('pipeline', () => {
  it('runs the first argument outermost', async () => {
    const log: string[] = [];
    await pipeline(tracer('a', log), tracer('b', log), tracer('c', log)).execute(() => log.push('fn'));
    expect(log).toEqual(['a>', 'b>', 'c>', 'fn', '<c', '<b', '<a']);
  });

  it('pipeline() of nothing runs fn directly', async () => {
    await expect(pipeline().execute((ctx) => ctx.attempt)).resolves.toBe(1);
    await expect(pipeline().execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
  });

  it('flattens nested pipelines', async () => {
    const log: string[] = [];
    const inner = pipeline(tracer('b', log), tracer('c', log));
    const outer = pipeline(tracer('a', log), inner, tracer('d', log));
    expect(outer.policies).toHaveLength(4);
    await outer.execute(() => log.push('fn'));
    expect(log).toEqual(['a>', 'b>', 'c>', 'd>', 'fn', '<d', '<c', '<b', '<a']);
  });

  it('retry outside timeout: every try gets its own deadline, and timeouts are retried', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const policy = pipeline(retry({ maxAttempts: 3, backoff: backoff.constant(0), clock }), timeout({ ms: 100, clock }));
    const result = track(
      policy.execute(() => {
        calls++;
        return new Promise(() => undefined);
      }),
    );
    await clock.advance(250);
    expect(calls).toBe(3);
    expect(result.state).toBe('pending');
    await clock.advance(50);
    expect(result.error).toBeInstanceOf(RetryExhaustedError);
    expect((result.error as RetryExhaustedError).cause).toBeInstanceOf(TimeoutError);
  });

  it('timeout outside retry: one deadline bounds all tries and ends the retry wait', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const policy = pipeline(timeout({ ms: 100, clock }), retry({ maxAttempts: 10, backoff: backoff.constant(30), clock }));
    const result = track(
      policy.execute(() => {
        calls++;
        throw new Error('refused');
      }),
    );
    await clock.advance(100);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(calls).toBe(4); // at 0, 30, 60, 90
    await clock.advance(1000);
    expect(calls).toBe(4); // the retry loop stopped with the deadline
  });

  it('passes one context down: the retry attempt number reaches fn through a timeout', async () => {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const policy = pipeline(retry({ backoff: backoff.constant(0), clock }), timeout({ ms: 100, clock }));
    const result = track(
      policy.execute((ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('again');
        return 'ok';
      }),
    );
    await clock.advance(0);
    expect(result.value).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('keeps the attempt number across a foreign policy', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const attempts: number[] = [];
    const policy = pipeline(retry({ backoff: backoff.constant(0), clock }), tracer('foreign', log), timeout({ ms: 50, clock }));
    const result = track(
      policy.execute((ctx: ExecContext) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 2) throw new Error('again');
        return 'ok';
      }),
    );
    await clock.advance(0);
    expect(result.value).toBe('ok');
    expect(attempts).toEqual([1, 2]);
  });

  it('run() with an existing context does not read its signal', async () => {
    let reads = 0;
    const source = {
      get signal(): AbortSignal {
        reads++;
        return new AbortController().signal;
      },
      aborted: false,
      mayAbort: false,
    };
    const policy = pipeline(fallback({ value: 0 }), retry({ clock: new ManualClock() }));
    await expect(policy.run(() => 7, new Context(1, source))).resolves.toBe(7);
    expect(reads).toBe(0);
  });

  it('abort: a caller abort reaches fn through every layer and rejects with AbortedError', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const policy = pipeline(fallback({ value: 'substitute' }), retry({ clock }), timeout({ ms: 1000, clock }));
    const result = track(
      policy.execute(
        (ctx) => {
          signal = ctx.signal;
          return new Promise(() => undefined);
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    controller.abort();
    await clock.advance(0);
    expect(signal?.aborted).toBe(true);
    expect(result.error).toBeInstanceOf(AbortedError);
  });

  it('skips a layer while its passThrough is true, on every call anew, wherever it stands', async () => {
    const log: string[] = [];
    const stepping = Object.assign(tracer('s', log), { passThrough: true });
    const policy = pipeline(tracer('a', log), stepping, tracer('b', log), Object.assign(tracer('t', log), { passThrough: true }));
    await policy.execute(() => log.push('fn'));
    expect(log).toEqual(['a>', 'b>', 'fn', '<b', '<a']);
    log.length = 0;
    stepping.passThrough = false;
    await policy.execute(() => log.push('fn'));
    expect(log).toEqual(['a>', 's>', 'b>', 'fn', '<b', '<s', '<a']);
  });

  it('a pipeline whose every layer steps aside runs fn directly', async () => {
    const log: string[] = [];
    const policy = pipeline(Object.assign(tracer('s', log), { passThrough: true }));
    await expect(policy.execute((ctx) => ctx.attempt)).resolves.toBe(1);
    expect(log).toEqual([]);
  });

  it('rejects an argument that is not a policy, naming its position', () => {
    expect(() => pipeline(retry(), {} as Policy)).toThrow(/argument 2 is not a policy/);
  });
});
