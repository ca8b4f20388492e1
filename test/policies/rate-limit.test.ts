import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AbortedError, RateLimitedError, abortedFrom } from '../../src/core/errors.js';
import type { AcquireOptions, Decision, Limiter } from '../../src/core/limiter.js';
import { backoff } from '../../src/policies/backoff.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { type RateLimitEvents, rateLimit } from '../../src/policies/rate-limit.js';
import { retry } from '../../src/policies/retry.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { track } from './helpers.js';

/**
 * A fake limiter: `capacity` units per key, refilled in full every `periodMs` of the clock.
 * `acquire` waits on the clock for the next refill, honouring signal and maxWaitMs.
 */
class FakeLimiter implements Limiter {
  readonly used = new Map<string, number>();
  readonly calls: Array<{ method: 'consume' | 'acquire'; key: string; cost: number | undefined; options?: AcquireOptions }> = [];
  private windowStart = 0;

  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    private readonly clock: ManualClock,
  ) {}

  private refill(): void {
    const start = Math.floor(this.clock.now() / this.periodMs) * this.periodMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used.clear();
    }
  }

  private tryTake(key: string, cost: number): Decision {
    this.refill();
    const used = this.used.get(key) ?? 0;
    if (used + cost > this.capacity) {
      return { allowed: false, remaining: this.capacity - used, retryAfterMs: this.windowStart + this.periodMs - this.clock.now() };
    }
    this.used.set(key, used + cost);
    return { allowed: true, remaining: this.capacity - used - cost, retryAfterMs: 0 };
  }

  async consume(key: string, cost?: number): Promise<Decision> {
    this.calls.push({ method: 'consume', key, cost });
    return this.tryTake(key, cost ?? 1);
  }

  async acquire(key: string, cost?: number, options?: AcquireOptions): Promise<void> {
    this.calls.push({ method: 'acquire', key, cost, options });
    for (;;) {
      const decision = this.tryTake(key, cost ?? 1);
      if (decision.allowed) return;
      if (options?.maxWaitMs !== undefined && decision.retryAfterMs > options.maxWaitMs) {
        throw new RateLimitedError(decision.retryAfterMs);
      }
      await this.clock.sleep(decision.retryAfterMs, options?.signal);
    }
  }
}

describe('rateLimit (backpressure: false, the default)', () => {
  it('admits calls while the limiter allows, then throws RateLimitedError with retryAfterMs', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(2, 1000, clock);
    const policy = rateLimit(limiter);
    const events: Array<RateLimitEvents['rejected']> = [];
    policy.on('rejected', (e) => events.push(e));
    await expect(policy.execute(() => 'a')).resolves.toBe('a');
    await clock.advance(200);
    await expect(policy.execute(() => 'b')).resolves.toBe('b');
    let ran = false;
    const error = await policy.execute(() => (ran = true)).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(800);
    expect(events).toEqual([{ reason: 'limited', key: 'default', cost: 1, retryAfterMs: 800 }]);
    expect(limiter.calls.map((c) => [c.method, c.key, c.cost])).toEqual([
      ['consume', 'default', 1],
      ['consume', 'default', 1],
      ['consume', 'default', 1],
    ]);
  });

  it('charges cost units to key', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(10, 1000, clock);
    const policy = rateLimit(limiter, { key: 'binance:orders', cost: 4 });
    await policy.execute(() => 1);
    await policy.execute(() => 2);
    expect(limiter.used.get('binance:orders')).toBe(8);
    await expect(policy.execute(() => 3)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('works with retry: the RateLimitedError retryAfterMs sets the wait', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 1000, clock);
    const policy = pipeline(retry({ backoff: backoff.constant(1), clock }), rateLimit(limiter));
    await policy.execute(() => 'first');
    const times: number[] = [];
    const result = track(policy.execute(() => times.push(clock.now())));
    await clock.advance(999);
    expect(times).toEqual([]);
    await clock.advance(1);
    expect(times).toEqual([1000]);
    expect(result.state).toBe('fulfilled');
  });

  it('abort: an aborted context is rejected before the limiter is charged', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 1000, clock);
    const controller = new AbortController();
    controller.abort();
    await expect(rateLimit(limiter).execute(() => 1, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.calls).toEqual([]);
  });
});

describe('rateLimit (backpressure: true)', () => {
  it('waits for room with acquire, then runs the call', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 1000, clock);
    const policy = rateLimit(limiter, { backpressure: true });
    await policy.execute(() => 'first');
    const result = track(policy.execute(() => clock.now()));
    await clock.advance(999);
    expect(result.state).toBe('pending');
    await clock.advance(1);
    expect(result.value).toBe(1000);
    expect(limiter.calls[1]).toEqual({ method: 'acquire', key: 'default', cost: 1, options: {} });
  });

  it('passes maxWaitMs and emits limited when the limiter gives up', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 1000, clock);
    const policy = rateLimit(limiter, { backpressure: true, maxWaitMs: 100, key: 'k', cost: 1 });
    const events: Array<RateLimitEvents['rejected']> = [];
    policy.on('rejected', (e) => events.push(e));
    await policy.execute(() => 'first');
    await expect(policy.execute(() => 'second')).rejects.toBeInstanceOf(RateLimitedError);
    expect(limiter.calls[1]?.options).toEqual({ maxWaitMs: 100 });
    expect(events).toEqual([{ reason: 'limited', key: 'k', cost: 1, retryAfterMs: 1000 }]);
  });

  it('passes no signal when the caller gave none (nothing can abort)', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(5, 1000, clock);
    await rateLimit(limiter, { backpressure: true }).execute(() => 1);
    expect(limiter.calls[0]?.options?.signal).toBeUndefined();
  });

  it('abort: a caller abort ends the wait at once with AbortedError and the call never runs', async () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 60_000, clock);
    const policy = rateLimit(limiter, { backpressure: true });
    await policy.execute(() => 'first');
    const controller = new AbortController();
    let ran = false;
    const result = track(policy.execute(() => (ran = true), { signal: controller.signal }));
    await clock.advance(10);
    expect(limiter.calls[1]?.options?.signal).toBe(controller.signal);
    controller.abort('bye');
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(AbortedError);
    expect(result.error).toEqual(abortedFrom(controller.signal));
    expect(ran).toBe(false);
  });
});

describe('rateLimit with a faulty limiter', () => {
  it('turns a limiter that throws synchronously into a rejected promise', async () => {
    const broken = new Error('store unreachable');
    const limiter: Limiter = {
      consume: () => {
        throw broken;
      },
      acquire: () => {
        throw broken;
      },
    };
    const outcome = (wait: boolean): Promise<unknown> | 'threw' => {
      try {
        return rateLimit(limiter, { backpressure: wait }).execute(() => 1);
      } catch {
        return 'threw';
      }
    };
    for (const wait of [false, true]) {
      const result = outcome(wait);
      expect(result).not.toBe('threw');
      await expect(result).rejects.toBe(broken);
    }
  });
});

describe('rateLimit options', () => {
  it('rejects bad options, naming the option', () => {
    const clock = new ManualClock();
    const limiter = new FakeLimiter(1, 1, clock);
    expect(() => rateLimit({} as Limiter)).toThrow(/limiter must be a Limiter/);
    expect(() => rateLimit(limiter, { cost: 0 })).toThrow(/cost must be an integer >= 1/);
    expect(() => rateLimit(limiter, { key: '' })).toThrow(/key must be a non-empty string/);
    expect(() => rateLimit(limiter, { backpressure: true, maxWaitMs: -1 })).toThrow(/maxWaitMs must be a finite number >= 0/);
    expect(() => rateLimit(limiter, { maxWaitMs: 10 })).toThrow(/maxWaitMs only applies with backpressure: true/);
  });

  it('defaults to key "default", cost 1, no waiting', () => {
    const policy = rateLimit(new FakeLimiter(1, 1, new ManualClock()));
    expect([policy.key, policy.cost, policy.backpressure, policy.maxWaitMs]).toEqual(['default', 1, false, undefined]);
  });
});

describe('rateLimit: costs are positive integers, as every limiter takes', () => {
  it.each([0.5, 1.5, 0, -1, Number.NaN])('rejects cost %s when the policy is built, naming the option', (cost) => {
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 1, clock: new ManualClock() });
    expect(() => rateLimit(limiter, { cost })).toThrow(/rateLimit: cost must be an integer >= 1/);
  });
});
