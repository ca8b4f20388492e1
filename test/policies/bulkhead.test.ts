import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AbortedError, BulkheadFullError } from '../../src/core/errors.js';
import { deadlinesOf } from '../../src/core/timers.js';
import { type BulkheadEvents, bulkhead } from '../../src/policies/bulkhead.js';
import { type Deferred, deferred, track } from './helpers.js';
import { flush } from '../support/async.js';

/** Starts a call whose operation finishes when the test says; records when it started. */
function hold(policy: ReturnType<typeof bulkhead>, started: string[], name: string, signal?: AbortSignal) {
  const work: Deferred<string> = deferred<string>();
  const result = track(
    policy.execute(
      () => {
        started.push(name);
        return work.promise;
      },
      { signal },
    ),
  );
  return { work, result };
}

describe('bulkhead', () => {
  it('runs up to maxConcurrent calls at once and rejects the next with BulkheadFullError (maxQueue 0)', async () => {
    const policy = bulkhead({ maxConcurrent: 2, maxQueue: 0 });
    const started: string[] = [];
    const rejected: Array<BulkheadEvents['rejected']> = [];
    policy.on('rejected', (e) => rejected.push(e));
    hold(policy, started, 'a');
    hold(policy, started, 'b');
    const c = hold(policy, started, 'c');
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    expect(policy.executing).toBe(2);
    expect(c.result.state).toBe('rejected');
    expect(c.result.error).toBeInstanceOf(BulkheadFullError);
    expect(rejected).toEqual([{ reason: 'queue-full', executing: 2, queued: 0 }]);
  });

  it('queues up to maxQueue calls and starts them in arrival order as slots free', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const started: string[] = [];
    const a = hold(policy, started, 'a');
    const b = hold(policy, started, 'b');
    const c = hold(policy, started, 'c');
    const d = hold(policy, started, 'd');
    await Promise.resolve();
    expect(started).toEqual(['a']);
    expect(policy.queued).toBe(2);
    expect(d.result.error).toBeInstanceOf(BulkheadFullError);

    a.work.resolve('A');
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect(policy.executing).toBe(1);
    expect(policy.queued).toBe(1);
    expect(a.result.value).toBe('A');

    b.work.reject(new Error('b failed'));
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    c.work.resolve('C');
    await flush();
    expect(c.result.value).toBe('C');
    expect(policy.executing).toBe(0);
    expect(policy.queued).toBe(0);
  });

  it('frees the slot of an operation that throws synchronously', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    await expect(
      policy.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(policy.executing).toBe(0);
    await expect(policy.execute(() => 'next')).resolves.toBe('next');
  });

  it('rejects a call that waits past maxWaitMs with BulkheadFullError and emits max-wait', async () => {
    const clock = new ManualClock();
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 50, clock });
    const rejected: Array<BulkheadEvents['rejected']> = [];
    policy.on('rejected', (e) => rejected.push(e));
    const started: string[] = [];
    const a = hold(policy, started, 'a');
    const b = hold(policy, started, 'b');
    await clock.advance(49);
    expect(b.result.state).toBe('pending');
    await clock.advance(1);
    expect(b.result.error).toBeInstanceOf(BulkheadFullError);
    expect((b.result.error as Error).message).toMatch(/no slot freed within maxWaitMs/);
    expect(rejected).toEqual([{ reason: 'max-wait', executing: 1, queued: 0 }]);
    a.work.resolve('A');
    await clock.advance(0);
    expect(started).toEqual(['a']);
    expect(policy.executing).toBe(0);
  });

  it('cancels the queue deadline of a call that gets a slot', async () => {
    const clock = new ManualClock();
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 50, clock });
    const started: string[] = [];
    const a = hold(policy, started, 'a');
    const b = hold(policy, started, 'b');
    a.work.resolve('A');
    await clock.advance(10);
    expect(started).toEqual(['a', 'b']);
    expect(deadlinesOf(clock).size).toBe(0);
    await clock.advance(100);
    expect(b.result.state).toBe('pending');
  });

  it('abort: a queued call whose caller aborts leaves the queue at once with AbortedError', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const started: string[] = [];
    const controller = new AbortController();
    const a = hold(policy, started, 'a');
    const b = hold(policy, started, 'b', controller.signal);
    const c = hold(policy, started, 'c');
    await Promise.resolve();
    expect(policy.queued).toBe(2);
    controller.abort('gone');
    await Promise.resolve();
    expect(b.result.error).toBeInstanceOf(AbortedError);
    expect(policy.queued).toBe(1);
    a.work.resolve('A');
    await flush();
    expect(started).toEqual(['a', 'c']);
    expect(c.result.state).toBe('pending');
  });

  it('abort: a running call keeps its slot until its own promise settles, and sees the abort', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const work = deferred<string>();
    track(
      policy.execute(
        (ctx) => {
          signal = ctx.signal;
          return work.promise;
        },
        { signal: controller.signal },
      ),
    );
    controller.abort();
    expect(signal?.aborted).toBe(true);
    expect(policy.executing).toBe(1);
    work.reject(new Error('aborted by caller'));
    await flush();
    expect(policy.executing).toBe(0);
  });

  it('property: never runs more than maxConcurrent, never queues more than maxQueue, starts queued calls in order', async () => {
    const step = fc.oneof(
      { arbitrary: fc.constant({ kind: 'arrive' as const }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }), async (maxConcurrent, maxQueue, steps) => {
        const policy = bulkhead({ maxConcurrent, maxQueue });
        const running = new Map<number, Deferred<void>>();
        const controllers: AbortController[] = [];
        const startOrder: number[] = [];
        const queuedIds: number[] = [];
        let peak = 0;
        for (const s of steps) {
          if (s.kind === 'arrive') {
            const id = controllers.length;
            const controller = new AbortController();
            controllers.push(controller);
            const queuedBefore = policy.queued;
            policy
              .execute(
                () => {
                  const work = deferred<void>();
                  running.set(id, work);
                  startOrder.push(id);
                  peak = Math.max(peak, running.size);
                  return work.promise;
                },
                { signal: controller.signal },
              )
              .catch(() => undefined);
            if (policy.queued === queuedBefore + 1) queuedIds.push(id);
          } else if (s.kind === 'finish' && running.size > 0) {
            const id = [...running.keys()][s.pick % running.size] as number;
            running.get(id)?.resolve();
            running.delete(id);
          } else if (s.kind === 'abort' && controllers.length > 0) {
            controllers[s.pick % controllers.length]?.abort();
          }
          await flush();
          if (policy.executing > maxConcurrent || policy.queued > maxQueue) return false;
          if (policy.executing !== running.size) return false;
        }
        // Calls that waited in the queue and then ran, ran in the order they arrived.
        const queuedThenRan = startOrder.filter((id) => queuedIds.includes(id));
        return peak <= maxConcurrent && queuedThenRan.every((id, i, all) => i === 0 || (all[i - 1] as number) < id);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects bad options, naming the option', () => {
    expect(() => bulkhead({ maxConcurrent: 0 })).toThrow(/maxConcurrent must be an integer >= 1/);
    expect(() => bulkhead({} as { maxConcurrent: number })).toThrow(/maxConcurrent/);
    expect(() => bulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue must be an integer >= 0/);
    expect(() => bulkhead({ maxConcurrent: 1, maxWaitMs: 0 })).toThrow(/maxWaitMs must be a finite number > 0/);
  });

  it('exposes maxConcurrent for saturation metrics', () => {
    expect(bulkhead({ maxConcurrent: 7 }).maxConcurrent).toBe(7);
  });
});
