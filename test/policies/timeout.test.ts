import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { ExecContext } from '../../src/core/context.js';
import { AbortedError, TimeoutError } from '../../src/core/errors.js';
import { deadlinesOf } from '../../src/core/timers.js';
import { timeout } from '../../src/policies/timeout.js';
import { deferred, track } from './helpers.js';

describe('timeout (aggressive, the default)', () => {
  it('rejects with TimeoutError at the deadline and aborts ctx.signal, while fn is still running', async () => {
    const clock = new ManualClock();
    const work = deferred<string>();
    let seen: ExecContext | undefined;
    const result = track(
      timeout({ ms: 100, clock }).execute((ctx) => {
        seen = ctx;
        return work.promise;
      }),
    );
    await clock.advance(99);
    expect(result.state).toBe('pending');
    expect(seen?.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(result.state).toBe('rejected');
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as TimeoutError).timeoutMs).toBe(100);
    expect(seen?.signal.aborted).toBe(true);
    expect(seen?.signal.reason).toBe(result.error);
    work.resolve('late'); // a late value changes nothing
    await clock.advance(0);
    expect(result.state).toBe('rejected');
  });

  it('returns the value of a call that beats the deadline and cancels the deadline', async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 100, clock });
    const result = track(policy.execute(async () => 'fast'));
    await clock.advance(0);
    expect(result.value).toBe('fast');
    expect(deadlinesOf(clock).size).toBe(0);
  });

  it('rethrows the error of a call that fails before the deadline, unchanged', async () => {
    const error = new Error('refused');
    await expect(timeout({ ms: 100, clock: new ManualClock() }).execute(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const error = new Error('sync');
    await expect(
      timeout({ ms: 100, clock: new ManualClock() }).execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('emits timeout with the deadline', async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 30, clock });
    const events: unknown[] = [];
    policy.on('timeout', (e) => events.push(e));
    const result = track(policy.execute(() => new Promise(() => undefined)));
    await clock.advance(30);
    expect(result.state).toBe('rejected');
    expect(events).toEqual([{ timeoutMs: 30 }]);
  });

  it('shares one clock timer among concurrent calls (the deadline scheduler), not one per call', async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 100, clock });
    const calls = Array.from({ length: 50 }, () => track(policy.execute(() => new Promise(() => undefined))));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100);
    expect(calls.every((c) => c.error instanceof TimeoutError)).toBe(true);
  });

  it('allocates no AbortController on the success path when fn does not read ctx.signal', async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 10, clock });
    const Original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      await expect(policy.execute(async () => 'quiet')).resolves.toBe('quiet');
      expect(created).toBe(0);
      await expect(policy.execute((ctx) => ctx.signal.aborted)).resolves.toBe(false);
      expect(created).toBe(1); // reading the signal is what allocates it
    } finally {
      globalThis.AbortController = Original;
    }
  });
});

describe('timeout (cooperative)', () => {
  it('aborts ctx.signal at the deadline and returns a value that arrives after it', async () => {
    const clock = new ManualClock();
    const work = deferred<string>();
    let signal: AbortSignal | undefined;
    const result = track(
      timeout({ ms: 100, mode: 'cooperative', clock }).execute((ctx) => {
        signal = ctx.signal;
        return work.promise;
      }),
    );
    await clock.advance(100);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect(result.state).toBe('pending');
    work.resolve('partial');
    await clock.advance(0);
    expect(result.value).toBe('partial');
  });

  it('rejects with TimeoutError whose cause is the error of a call that fails after the deadline', async () => {
    const clock = new ManualClock();
    const work = deferred<string>();
    const result = track(timeout({ ms: 100, mode: 'cooperative', clock }).execute(() => work.promise));
    await clock.advance(150);
    const late = new Error('cancelled by signal');
    work.reject(late);
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as TimeoutError).cause).toBe(late);
  });

  it('rethrows the error of a call that fails before the deadline, unchanged', async () => {
    const clock = new ManualClock();
    const error = new Error('early');
    await expect(timeout({ ms: 100, mode: 'cooperative', clock }).execute(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('rejects with the TimeoutError itself when fn rethrows the signal reason', async () => {
    const clock = new ManualClock();
    const result = track(
      timeout({ ms: 5, mode: 'cooperative', clock }).execute(
        (ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      ),
    );
    await clock.advance(5);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect((result.error as TimeoutError).cause).toBeUndefined();
  });
});

describe('timeout abort', () => {
  it.each(['aggressive', 'cooperative'] as const)('%s: a caller abort rejects with AbortedError at once and aborts ctx.signal', async (mode) => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const result = track(
      timeout({ ms: 1000, mode, clock }).execute(
        (ctx) => {
          signal = ctx.signal;
          return new Promise(() => undefined);
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    controller.abort('stop');
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(AbortedError);
    expect((result.error as AbortedError).cause).toBe('stop');
    expect(signal?.aborted).toBe(true);
    expect(deadlinesOf(clock).size).toBe(0);
  });

  it('aborts the context even when fn reads the signal only after the caller aborted', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let ctxSeen: ExecContext | undefined;
    track(
      timeout({ ms: 1000, clock }).execute(
        (ctx) => {
          ctxSeen = ctx;
          return new Promise(() => undefined);
        },
        { signal: controller.signal },
      ),
    );
    controller.abort();
    expect(ctxSeen?.signal.aborted).toBe(true);
  });
});

describe('timeout options', () => {
  it('rejects bad options, naming the option', () => {
    expect(() => timeout({ ms: 0 })).toThrow(/ms must be a finite number > 0/);
    expect(() => timeout({ ms: Infinity })).toThrow(/ms must be/);
    expect(() => timeout({} as { ms: number })).toThrow(/ms must be/);
    expect(() => timeout({ ms: 5, mode: 'lazy' as 'aggressive' })).toThrow(/mode must be one of 'aggressive', 'cooperative'/);
  });

  it("defaults to 'aggressive'", () => {
    expect(timeout({ ms: 5 }).mode).toBe('aggressive');
  });
});
