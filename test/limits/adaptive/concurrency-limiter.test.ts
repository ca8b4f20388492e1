import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { AbortedError, BulkheadFullError, TimeoutError } from '../../../src/core/errors.js';
import { adaptiveConcurrency } from '../../../src/limits/adaptive/concurrency-limiter.js';
import { aimd } from '../../../src/limits/adaptive/aimd.js';
import { gradient2 } from '../../../src/limits/adaptive/gradient2.js';
import { type Deferred, deferred } from '../../support/async.js';

/** A call that finishes when the test says so. */
const gate = <T = string>(): Deferred<T> => deferred<T>();

describe('adaptiveConcurrency', () => {
  it('runs up to the limit at once and rejects the next call with BulkheadFullError', async () => {
    const limiter = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 2 }), maxQueue: 0, clock: new ManualClock() });
    const a = gate();
    const b = gate();
    const p1 = limiter.execute(() => a.promise);
    const p2 = limiter.execute(() => b.promise);
    expect(limiter.inflight).toBe(2);
    await expect(limiter.execute(() => 'c')).rejects.toBeInstanceOf(BulkheadFullError);
    a.resolve('a');
    b.resolve('b');
    expect(await Promise.all([p1, p2])).toEqual(['a', 'b']);
    expect(limiter.inflight).toBe(0);
  });

  it('queues briefly: a waiter gets the freed slot, FIFO', async () => {
    const clock = new ManualClock();
    const limiter = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 1, maxLimit: 1 }), maxQueue: 2, maxWaitMs: 1000, clock });
    const a = gate();
    const order: string[] = [];
    const p1 = limiter.execute(() => a.promise);
    const p2 = limiter.execute(() => {
      order.push('second');
      return 'second';
    });
    const p3 = limiter.execute(() => {
      order.push('third');
      return 'third';
    });
    expect(limiter.queued).toBe(2);
    await expect(limiter.execute(() => 'fourth')).rejects.toBeInstanceOf(BulkheadFullError);
    a.resolve('first');
    expect(await Promise.all([p1, p2, p3])).toEqual(['first', 'second', 'third']);
    expect(order).toEqual(['second', 'third']);
  });

  it('rejects a queued call when maxWaitMs passes without a slot', async () => {
    const clock = new ManualClock();
    const limiter = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 1 }), maxQueue: 1, maxWaitMs: 500, clock });
    const a = gate();
    const reasons: string[] = [];
    limiter.on('rejected', (e) => reasons.push(e.reason));
    void limiter.execute(() => a.promise);
    const waiting = limiter.execute(() => 'late');
    const settled = expect(waiting).rejects.toBeInstanceOf(BulkheadFullError);
    await clock.advance(499);
    expect(limiter.queued).toBe(1);
    await clock.advance(1);
    await settled;
    expect(reasons).toEqual(['max-wait']);
    expect(limiter.queued).toBe(0);
    a.resolve('x');
  });

  it('a queued call leaves at once when its signal aborts', async () => {
    const clock = new ManualClock();
    const limiter = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 1 }), maxQueue: 1, clock });
    const a = gate();
    void limiter.execute(() => a.promise);
    const controller = new AbortController();
    const waiting = limiter.execute(() => 'never', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.queued).toBe(0);
    a.resolve('x');
  });

  it('lowers the limit on drops (timeouts) and raises it on successes under load', async () => {
    const clock = new ManualClock();
    const limiter = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 10, backoffRatio: 0.5 }), clock });
    const changes: Array<[number, number]> = [];
    limiter.on('stateChange', (e) => changes.push([e.from, e.to]));
    await expect(
      limiter.execute(() => {
        throw new TimeoutError(100);
      }),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(limiter.limit).toBe(5);
    // a user's own error says nothing about overload: the limit stays
    await expect(
      limiter.execute(() => {
        throw new Error('bad request');
      }),
    ).rejects.toThrow('bad request');
    expect(limiter.limit).toBe(5);
    // three calls in flight of a limit of 5: only the third started with inflight 3 >= 5/2
    // (the first two saw 1 and 2: an app-limited client teaches nothing), so it grows by one
    const gates = [gate(), gate(), gate()];
    const running = gates.map((g) => limiter.execute(() => g.promise));
    gates.forEach((g) => g.resolve('ok'));
    await Promise.all(running);
    expect(limiter.limit).toBe(6);
    expect(changes).toEqual([
      [10, 5],
      [5, 6],
    ]);
  });

  it('with gradient2, rising latency measured on the injected clock shrinks the limit', async () => {
    const clock = new ManualClock();
    const limiter = adaptiveConcurrency({ algorithm: gradient2({ initialLimit: 20, maxLimit: 20 }), clock });
    const callTaking = async (ms: number): Promise<void> => {
      const calls = Array.from({ length: 20 }, () => limiter.execute(() => clock.sleep(ms)));
      await clock.advance(ms);
      await Promise.all(calls);
    };
    for (let i = 0; i < 5; i++) await callTaking(10);
    expect(limiter.limit).toBe(20);
    await callTaking(100);
    expect(limiter.limit).toBeLessThan(20);
  });

  it('rejects bad options with the option named', () => {
    expect(() => adaptiveConcurrency({ maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => adaptiveConcurrency({ maxWaitMs: Number.NaN })).toThrow(/maxWaitMs/);
  });
});
