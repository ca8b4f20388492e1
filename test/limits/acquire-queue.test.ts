import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AbortedError, RateLimitedError } from '../../src/core/errors.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';

/** A bucket of 1 refilled every 100 ms, already emptied, so every acquire has to wait. */
function emptyBucket(clock: ManualClock) {
  const limiter = tokenBucket({ capacity: 1, refillPerSecond: 10, clock });
  limiter.tryConsume('k');
  return limiter;
}

function track(order: string[], name: string, promise: Promise<void>): Promise<void> {
  return promise.then(
    () => void order.push(name),
    (error: unknown) => void order.push(`${name}:${(error as { code?: string }).code ?? String(error)}`),
  );
}

describe('acquire queue', () => {
  it('waits on the injected clock until the cost fits, then charges it', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const order: string[] = [];
    const done = track(order, 'a', limiter.acquire('k'));
    await clock.advance(99);
    expect(order).toEqual([]);
    await clock.advance(1);
    await done;
    expect(order).toEqual(['a']);
    expect(limiter.tryConsume('k').allowed).toBe(false);
  });

  it('serves lower priority numbers first and FIFO within a priority', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const order: string[] = [];
    const all = [
      track(order, 'poll-1', limiter.acquire('k', 1, { priority: 2 })),
      track(order, 'order-1', limiter.acquire('k', 1, { priority: 1 })),
      track(order, 'cancel-1', limiter.acquire('k', 1, { priority: 0 })),
      track(order, 'order-2', limiter.acquire('k', 1, { priority: 1 })),
      track(order, 'cancel-2', limiter.acquire('k', 1, { priority: 0 })),
    ];
    await clock.advance(500);
    await Promise.all(all);
    expect(order).toEqual(['cancel-1', 'cancel-2', 'order-1', 'order-2', 'poll-1']);
  });

  it('keeps keys apart: a waiter on one key does not hold up another', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const order: string[] = [];
    const waiting = track(order, 'k', limiter.acquire('k'));
    await track(order, 'other', limiter.acquire('other'));
    expect(order).toEqual(['other']);
    await clock.advance(100);
    await waiting;
  });

  it('leaves the queue at once with AbortedError when the signal aborts, and the next waiter moves up', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const order: string[] = [];
    const controller = new AbortController();
    const first = limiter.acquire('k', 1, { signal: controller.signal });
    const second = track(order, 'second', limiter.acquire('k'));
    expect(limiter.queued).toBe(2);
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.queued).toBe(1);
    await clock.advance(100);
    await second;
    expect(order).toEqual(['second']);
  });

  it('rejects at once with an already aborted signal', async () => {
    const limiter = emptyBucket(new ManualClock());
    await expect(limiter.acquire('k', 1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.queued).toBe(0);
  });

  it('rejects with RateLimitedError at once when the wait is known to exceed maxWaitMs', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const error = await limiter.acquire('k', 1, { maxWaitMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(100);
  });

  it('drops a waiter whose deadline passes while queued; it is never admitted late, the next one is', async () => {
    const clock = new ManualClock();
    const limiter = emptyBucket(clock);
    const order: string[] = [];
    const all = [
      track(order, 'a', limiter.acquire('k')),
      track(order, 'b', limiter.acquire('k', 1, { maxWaitMs: 150 })),
      track(order, 'c', limiter.acquire('k')),
    ];
    await clock.advance(150);
    expect(order).toEqual(['a', 'b:RATE_LIMITED']);
    await clock.advance(50);
    await Promise.all(all);
    expect(order).toEqual(['a', 'b:RATE_LIMITED', 'c']);
  });

  it('rejects a cost that can never fit with a RangeError', async () => {
    const limiter = emptyBucket(new ManualClock());
    await expect(limiter.acquire('k', 2)).rejects.toThrow(/cost 2 can never fit; the limiter admits at most 1/);
  });

  it('rejects bad options with errors naming them', async () => {
    const limiter = emptyBucket(new ManualClock());
    await expect(limiter.acquire('k', 1, { maxWaitMs: -1 })).rejects.toThrow('acquire: maxWaitMs must be a finite number >= 0 (or Infinity), got -1');
    await expect(limiter.acquire('k', 1, { priority: Number.NaN })).rejects.toThrow('acquire: priority must be a finite number, got NaN');
  });
});
