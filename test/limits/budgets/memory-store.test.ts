import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { memoryBudgetStore } from '../../../src/limits/budgets/memory-store.js';

const line = (budget: string, cost: number, ceiling: number, windowMs: number) => ({ budget, cost, ceiling, windowMs });

describe('memoryBudgetStore', () => {
  it('charges all lines or none', async () => {
    const store = memoryBudgetStore({ clock: new ManualClock() });
    expect((await store.charge('g', [line('a', 5, 10, 1000), line('b', 1, 1, 1000)])).ok).toBe(true);
    const refused = await store.charge('g', [line('a', 5, 10, 1000), line('b', 1, 1, 1000)]);
    expect(refused).toMatchObject({ ok: false, blockedBy: 'b', retryAfterMs: 1000 });
    expect(await store.used('g', 'a', 1000)).toBe(5);
  });

  it('counts in windows aligned to the epoch', async () => {
    const clock = new ManualClock(10_500);
    const store = memoryBudgetStore({ clock });
    await store.charge('g', [line('a', 3, 3, 1000)]);
    expect(await store.charge('g', [line('a', 1, 3, 1000)])).toMatchObject({ ok: false, retryAfterMs: 500 });
    await clock.advance(500);
    expect(await store.charge('g', [line('a', 1, 3, 1000)])).toMatchObject({ ok: true, used: [1] });
  });

  it('correct() raises the count but never lowers it', async () => {
    const store = memoryBudgetStore({ clock: new ManualClock() });
    await store.charge('g', [line('a', 10, 100, 1000)]);
    expect(await store.correct('g', 'a', 1000, 4)).toBe(10);
    expect(await store.correct('g', 'a', 1000, 40)).toBe(40);
  });

  it('a freeze refuses every charge until it lifts, and a shorter freeze does not cut a longer one', async () => {
    const clock = new ManualClock();
    const store = memoryBudgetStore({ clock });
    await store.freeze('g', 5000, 418);
    await store.freeze('g', 1000, 429);
    expect(await store.charge('g', [line('a', 1, 10, 1000)])).toMatchObject({ ok: false, blockedBy: 'freeze', frozenBy: 418, retryAfterMs: 5000 });
    await clock.advance(5000);
    expect(await store.frozen('g')).toBeUndefined();
    expect((await store.charge('g', [line('a', 1, 10, 1000)])).ok).toBe(true);
  });
});
