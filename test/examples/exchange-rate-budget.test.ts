import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/exchange-rate-budget.js';
import { drive } from './drive.js';

describe('examples/exchange-rate-budget', () => {
  it('a 429 freezes every lane for Retry-After; queued calls then go out cancel, order, poll', async () => {
    const clock = new ManualClock();
    const result = await drive(clock, main({ clock, log: () => {} }));
    expect(result.servedInOrder).toEqual(['cancel', 'new order', 'poll']);
    expect(result.frozenForMs).toBeGreaterThanOrEqual(1_000);
  });

  it('polling stops at the non-reserved 90 % of the weight, and a cancel still goes through', async () => {
    const clock = new ManualClock();
    const result = await drive(clock, main({ clock, log: () => {} }));
    // The header raised the count to 60; six polls of weight 5 reach 90 of 100.
    expect(result.polls).toBe(6);
    expect(result.weightAfterPolls).toBe(90);
    expect(result.refused?.blockedBy).toBe('REQUEST_WEIGHT');
    expect(result.refused?.retryAfterMs).toBeGreaterThan(0);
    expect(result.cancelAllowed).toBe(true);
  });
});
