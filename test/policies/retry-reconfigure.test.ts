/** retry.reconfigure() and retryBudget.reconfigure(): tries and budget changed while the policy runs. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { retryBudget } from '../../src/limits/retry-budget.js';
import { backoff } from '../../src/policies/backoff.js';
import { retry } from '../../src/policies/retry.js';

const failing = (): { calls: number; fn: () => Promise<never> } => {
  const counter = { calls: 0, fn: () => (counter.calls++, Promise.reject(new Error('down'))) };
  return counter;
};

describe('retry.reconfigure', () => {
  it('later calls make the new number of tries', async () => {
    const policy = retry({ maxAttempts: 5, backoff: backoff.constant(0), clock: new ManualClock() });
    const before = failing();
    await expect(policy.execute(before.fn)).rejects.toThrow();
    expect(before.calls).toBe(5);
    expect(policy.reconfigure({ maxAttempts: 2 })).toEqual({ maxAttempts: 2 });
    expect(policy.maxAttempts).toBe(2);
    const after = failing();
    await expect(policy.execute(after.fn)).rejects.toThrow();
    expect(after.calls).toBe(2);
  });

  it('a call already retrying reads the new limit at its next failure', async () => {
    const clock = new ManualClock();
    const policy = retry({ maxAttempts: 10, backoff: backoff.constant(100), clock });
    const call = failing();
    const done = policy.execute(call.fn).catch((e: unknown) => e);
    await clock.advance(100); // second try failed
    policy.reconfigure({ maxAttempts: 3 });
    await clock.advance(1_000);
    await done;
    expect(call.calls).toBe(3);
  });

  it('emits settingsChange; a bad value throws naming it and changes nothing; maxElapsedMs can be removed', () => {
    const clock = new ManualClock(1_000);
    const policy = retry({ maxAttempts: 3, maxElapsedMs: 5_000, clock });
    const seen: unknown[] = [];
    policy.on('settingsChange', (c) => seen.push(c));
    expect(() => policy.reconfigure({ maxAttempts: 0 })).toThrow(/retry: maxAttempts/);
    expect(policy.currentSettings()).toEqual({ maxAttempts: 3, maxElapsedMs: 5_000 });
    policy.reconfigure({ maxElapsedMs: undefined });
    expect(seen).toEqual([{ from: { maxAttempts: 3, maxElapsedMs: 5_000 }, to: { maxAttempts: 3 }, at: 1_000 }]);
  });
});

describe('retryBudget.reconfigure', () => {
  it('a smaller share applies to the current window at once, keeping what it counted', () => {
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, clock: new ManualClock() });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    for (let i = 0; i < 15; i++) expect(budget.tryRetry()).toBe(true);
    expect(budget.reconfigure({ ratio: 0.2 })).toEqual({ ratio: 0.2, minRetriesPerSecond: 0 });
    let granted = 0;
    for (let i = 0; i < 20; i++) if (budget.tryRetry()) granted++;
    expect(granted).toBe(5); // 20% of 100 is 20, 15 already spent
    expect(budget.stats()).toEqual({ requests: 100, retries: 20, allowed: 20 });
  });

  it('the floor follows minRetriesPerSecond over the window; bad values are refused', () => {
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 10, windowMs: 10_000, clock: new ManualClock() });
    expect(budget.allowed()).toBe(100);
    budget.reconfigure({ minRetriesPerSecond: 1 });
    expect(budget.allowed()).toBe(10);
    expect(() => budget.reconfigure({ ratio: 2 })).toThrow(/retryBudget: ratio/);
    expect(budget.currentSettings()).toEqual({ ratio: 0.2, minRetriesPerSecond: 1 });
  });
});
