/**
 * The names the public contract promised before issue 13 renamed them keep working until 1.0:
 * each old name behaves as the new one, and giving both with different values is an error
 * naming both.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BulkheadFullError, RateLimitedError } from '../../src/core/errors.js';
import { bulkhead } from '../../src/policies/bulkhead.js';
import { type RateLimitEvents, rateLimit } from '../../src/policies/rate-limit.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { deferred, track } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bulkhead: queueTimeoutMs (deprecated alias of maxWaitMs)', () => {
  it('rejects a call queued past queueTimeoutMs, as maxWaitMs does', async () => {
    const clock = new ManualClock();
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 50, clock });
    expect(policy.maxWaitMs).toBe(50);
    expect(policy.queueTimeoutMs).toBe(50);
    const work = deferred<string>();
    void policy.execute(() => work.promise);
    const queued = track(policy.execute(() => 'b'));
    await clock.advance(49);
    expect(queued.state).toBe('pending');
    await clock.advance(1);
    expect(queued.error).toBeInstanceOf(BulkheadFullError);
    work.resolve('a');
  });

  it('accepts both names with the same value', () => {
    expect(bulkhead({ maxConcurrent: 1, maxWaitMs: 10, queueTimeoutMs: 10 }).maxWaitMs).toBe(10);
  });

  it('refuses both names with different values, naming both', () => {
    expect(() => bulkhead({ maxConcurrent: 1, maxWaitMs: 10, queueTimeoutMs: 20 })).toThrow(
      /bulkhead: queueTimeoutMs \(deprecated\) and maxWaitMs are the same option; give only maxWaitMs \(got 20 and 10\)/,
    );
  });

  it('validates the old name with the new name’s rule', () => {
    expect(() => bulkhead({ maxConcurrent: 1, queueTimeoutMs: 0 })).toThrow(/bulkhead: maxWaitMs must be a finite number > 0, got 0/);
  });
});

describe('rateLimit: wait (deprecated alias of backpressure)', () => {
  it('wait: true waits for room, as backpressure: true does', async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const policy = rateLimit(limiter, { wait: true });
    expect(policy.backpressure).toBe(true);
    expect(policy.wait).toBe(true);
    await policy.execute(() => 'first');
    const second = track(policy.execute(() => clock.now()));
    await clock.advance(999);
    expect(second.state).toBe('pending');
    await clock.advance(1);
    expect(second.value).toBe(1000);
  });

  it('wait: false rejects at once; maxWaitMs still needs waiting', () => {
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock: new ManualClock() });
    expect(rateLimit(limiter, { wait: false }).backpressure).toBe(false);
    expect(() => rateLimit(limiter, { wait: false, maxWaitMs: 5 })).toThrow(/maxWaitMs only applies with backpressure: true/);
    expect(rateLimit(limiter, { wait: true, maxWaitMs: 5 }).maxWaitMs).toBe(5);
  });

  it('accepts both names with the same value and refuses different ones, naming both', () => {
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock: new ManualClock() });
    expect(rateLimit(limiter, { wait: true, backpressure: true }).backpressure).toBe(true);
    expect(() => rateLimit(limiter, { wait: true, backpressure: false })).toThrow(
      /rateLimit: wait \(deprecated\) and backpressure are the same option; give only backpressure \(got true and false\)/,
    );
  });

  it('validates the old name with the new name’s rule', () => {
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock: new ManualClock() });
    expect(() => rateLimit(limiter, { wait: 'yes' as unknown as boolean })).toThrow(/rateLimit: backpressure must be a boolean, got string/);
  });
});

describe("rateLimit: the 'limited' event (deprecated twin of 'rejected')", () => {
  it("emits 'limited' with the same payload as 'rejected', for each refusal", async () => {
    const clock = new ManualClock();
    const policy = rateLimit(tokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { key: 'k' });
    const limited: Array<RateLimitEvents['limited']> = [];
    const rejected: Array<RateLimitEvents['rejected']> = [];
    policy.on('limited', (e) => limited.push(e));
    policy.on('rejected', (e) => rejected.push(e));
    await policy.execute(() => 1);
    await expect(policy.execute(() => 2)).rejects.toBeInstanceOf(RateLimitedError);
    expect(limited).toEqual([{ reason: 'limited', key: 'k', cost: 1, retryAfterMs: 1000 }]);
    expect(limited).toEqual(rejected);
  });

  it("emits 'limited' to a listener of 'limited' alone", async () => {
    const clock = new ManualClock();
    const policy = rateLimit(tokenBucket({ capacity: 1, refillPerSecond: 1, clock }));
    const limited: Array<RateLimitEvents['limited']> = [];
    policy.on('limited', (e) => limited.push(e));
    await policy.execute(() => 1);
    await expect(policy.execute(() => 2)).rejects.toBeInstanceOf(RateLimitedError);
    expect(limited).toHaveLength(1);
  });
});
