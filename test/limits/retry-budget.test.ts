import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { retryBudget } from '../../src/limits/retry-budget.js';
import { backoff } from '../../src/policies/backoff.js';
import { retry } from '../../src/policies/retry.js';

function spend(budget: { tryRetry(): boolean }, attempts: number): number {
  let granted = 0;
  for (let i = 0; i < attempts; i++) if (budget.tryRetry()) granted++;
  return granted;
}

describe('retryBudget', () => {
  it('allows retries of at most 20% of requests when there is no floor', () => {
    const budget = retryBudget({ minRetriesPerSecond: 0, clock: new ManualClock() });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(spend(budget, 50)).toBe(20);
    for (let i = 0; i < 5; i++) budget.recordRequest();
    expect(spend(budget, 5)).toBe(1);
  });

  it('adds a floor of minRetriesPerSecond * window seconds, so a quiet client can retry', () => {
    const budget = retryBudget({ minRetriesPerSecond: 2, windowMs: 10_000, clock: new ManualClock() });
    expect(spend(budget, 30)).toBe(20);
    for (let i = 0; i < 50; i++) budget.recordRequest();
    expect(spend(budget, 30)).toBe(10);
    expect(budget.stats()).toEqual({ requests: 50, retries: 30, allowed: 30 });
  });

  it('forgets requests and retries once they leave the rolling window', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ minRetriesPerSecond: 0, windowMs: 10_000, bucketMs: 1000, clock });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(spend(budget, 20)).toBe(20);
    await clock.advance(5_000);
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(spend(budget, 5)).toBe(2);
    await clock.advance(5_000);
    // the first 100 requests and 20 retries are gone; 10 requests allow 2 retries, both spent
    expect(budget.stats()).toEqual({ requests: 10, retries: 2, allowed: 2 });
    expect(budget.tryRetry()).toBe(false);
    await clock.advance(5_000);
    expect(budget.stats()).toEqual({ requests: 0, retries: 0, allowed: 0 });
  });

  it('caps the retry policy: 10 failing calls of 3 tries each get 2 retries, not 20', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ minRetriesPerSecond: 0, clock });
    const policy = retry({ maxAttempts: 3, backoff: backoff.constant(0), retryBudget: budget, clock });
    const giveUps: string[] = [];
    policy.on('giveUp', (e) => giveUps.push(e.reason));
    let tries = 0;
    for (let i = 0; i < 10; i++) {
      const call = policy.execute(() => {
        tries++;
        throw new Error('down');
      });
      const settled = expect(call).rejects.toThrow('down');
      await clock.advance(1);
      await settled;
    }
    expect(tries).toBe(12);
    expect(budget.stats()).toMatchObject({ requests: 10, retries: 2 });
    expect(giveUps.filter((r) => r === 'budget')).toHaveLength(10);
  });

  it('rejects bad options with the option named', () => {
    expect(() => retryBudget({ ratio: 1.5 })).toThrow(/ratio/);
    expect(() => retryBudget({ minRetriesPerSecond: -1 })).toThrow(/minRetriesPerSecond/);
    expect(() => retryBudget({ windowMs: 0 })).toThrow(/windowMs/);
  });
});
