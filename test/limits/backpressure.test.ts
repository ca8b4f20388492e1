import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { QUEUE_DEFAULTS } from '../../src/core/options.js';
import { gcra } from '../../src/limits/gcra.js';
import { LIMITER_DEFAULTS } from '../../src/limits/rate-limiter.js';
import type { LimiterStore } from '../../src/limits/stores/store.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';

describe('backpressure strategies', () => {
  it("'reject': acquire fails at once with the limiter's retryAfterMs instead of waiting", async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 4, clock, backpressure: 'reject' });
    await limiter.acquire('k');
    const error = await limiter.acquire('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(250);
    expect(limiter.queued).toBe(0);
  });

  it("'queue': bounded by maxQueue, with a highWater event at the mark", async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 10, clock, maxQueue: 3, highWaterMark: 2 });
    limiter.tryConsume('k');
    const marks: number[] = [];
    limiter.on('highWater', (e) => marks.push(e.queued));
    const dropped: string[] = [];
    limiter.on('rejected', (e) => e.reason !== 'limited' && dropped.push(e.reason));
    const waiting = [limiter.acquire('k'), limiter.acquire('k'), limiter.acquire('k')];
    expect(marks).toEqual([2]);
    await expect(limiter.acquire('k')).rejects.toThrow(/queue is full \(maxQueue 3\)/);
    expect(dropped).toEqual(['queue-full']);
    await clock.advance(300);
    await Promise.all(waiting);
    expect(limiter.queued).toBe(0);
  });

  it("'queue' with maxQueue 0 still admits a call that fits at once, and rejects one that would wait", async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 10, clock, maxQueue: 0, highWaterMark: 1 });
    await limiter.acquire('k');
    await expect(limiter.acquire('k')).rejects.toThrow(/queue is full \(maxQueue 0\)/);
  });

  it("'pace': spaces calls evenly at the sustained rate even when a burst would fit", async () => {
    const clock = new ManualClock();
    const limiter = fixedWindow({ limit: 10, windowMs: 1000, clock, backpressure: 'pace' });
    const admittedAt: number[] = [];
    const all = Array.from({ length: 5 }, () => limiter.acquire('k').then(() => void admittedAt.push(clock.now())));
    await clock.advance(1000);
    await Promise.all(all);
    expect(admittedAt).toEqual([0, 100, 200, 300, 400]);
  });

  it("'throttle', the deprecated name of 'pace' (removed at 1.0), paces the same way", async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const clock = new ManualClock();
    const limiter = fixedWindow({ limit: 10, windowMs: 1000, clock, backpressure: 'throttle' });
    const admittedAt: number[] = [];
    const all = Array.from({ length: 3 }, () => limiter.acquire('k').then(() => void admittedAt.push(clock.now())));
    await clock.advance(1000);
    await Promise.all(all);
    expect(admittedAt).toEqual([0, 100, 200]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/fixedWindow: backpressure 'throttle' is deprecated .* use 'pace'/), expect.objectContaining({ type: 'DeprecationWarning' }));
    warn.mockRestore();
  });

  it("'queue' (default) admits a burst at once when it fits", async () => {
    const clock = new ManualClock();
    const limiter = fixedWindow({ limit: 10, windowMs: 1000, clock });
    const admittedAt: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('k').then(() => void admittedAt.push(clock.now()))));
    expect(admittedAt).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects an unknown strategy and bad queue bounds with errors naming them', () => {
    expect(() => tokenBucket({ capacity: 1, refillPerSecond: 1, backpressure: 'drop' as 'reject' })).toThrow(
      "tokenBucket: backpressure must be one of 'reject', 'queue', 'pace', got drop",
    );
    expect(() => tokenBucket({ capacity: 1, refillPerSecond: 1, maxQueue: -1 })).toThrow('tokenBucket: maxQueue must be an integer >= 0 (or Infinity), got -1');
    expect(() => tokenBucket({ capacity: 1, refillPerSecond: 1, highWaterMark: 0 })).toThrow('tokenBucket: highWaterMark must be an integer >= 1 (or Infinity), got 0');
    expect(() => gcra({ limit: 1, periodMs: 1, store: {} as LimiterStore })).toThrow('gcra: store must be a LimiterStore, e.g. memoryStore() or redisStore(client) (with bind())');
  });

  it('maxQueue defaults to QUEUE_DEFAULTS.maxQueue (1 000), as the bulkhead', async () => {
    expect(LIMITER_DEFAULTS.maxQueue).toBe(QUEUE_DEFAULTS.maxQueue);
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    await limiter.acquire('k');
    for (let i = 0; i < 1_000; i++) void limiter.acquire('k').catch(() => undefined);
    expect(limiter.queued).toBe(1_000);
    await expect(limiter.acquire('k')).rejects.toThrow(/queue is full \(maxQueue 1000\)/);
  });
});
