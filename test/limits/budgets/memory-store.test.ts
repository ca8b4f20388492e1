import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { memoryRateBudgetStore } from '../../../src/limits/budgets/memory-store.js';

const line = (budget: string, cost: number, ceiling: number, windowMs: number) => ({ budget, cost, ceiling, windowMs });

describe('memoryRateBudgetStore', () => {
  it('charges all lines or none', async () => {
    const store = memoryRateBudgetStore({ clock: new ManualClock() });
    expect((await store.charge('g', [line('a', 5, 10, 1000), line('b', 1, 1, 1000)])).ok).toBe(true);
    const refused = await store.charge('g', [line('a', 5, 10, 1000), line('b', 1, 1, 1000)]);
    expect(refused).toMatchObject({ ok: false, blockedBy: 'b', retryAfterMs: 1000 });
    expect(await store.used('g', 'a', 1000)).toBe(5);
  });

  it('counts in windows aligned to the epoch', async () => {
    const clock = new ManualClock(10_500);
    const store = memoryRateBudgetStore({ clock });
    await store.charge('g', [line('a', 3, 3, 1000)]);
    expect(await store.charge('g', [line('a', 1, 3, 1000)])).toMatchObject({ ok: false, retryAfterMs: 500 });
    await clock.advance(500);
    expect(await store.charge('g', [line('a', 1, 3, 1000)])).toMatchObject({ ok: true, used: [1] });
  });

  it('correct() raises the count but never lowers it', async () => {
    const store = memoryRateBudgetStore({ clock: new ManualClock() });
    await store.charge('g', [line('a', 10, 100, 1000)]);
    expect(await store.correct('g', 'a', 1000, 4)).toBe(10);
    expect(await store.correct('g', 'a', 1000, 40)).toBe(40);
  });

  it('a freeze refuses every charge until it lifts, and a shorter freeze does not cut a longer one', async () => {
    const clock = new ManualClock();
    const store = memoryRateBudgetStore({ clock });
    await store.freeze('g', 5000, 418);
    await store.freeze('g', 1000, 429);
    expect(await store.charge('g', [line('a', 1, 10, 1000)])).toMatchObject({ ok: false, blockedBy: 'freeze', frozenBy: 418, retryAfterMs: 5000 });
    await clock.advance(5000);
    expect(await store.frozen('g')).toBeUndefined();
    expect((await store.charge('g', [line('a', 1, 10, 1000)])).ok).toBe(true);
  });

  it('property: a charge moves every count by its cost or leaves all unchanged, and never passes a ceiling', async () => {
    const budgets = [
      { id: 'a', windowMs: 1000, limit: 20 },
      { id: 'b', windowMs: 5000, limit: 7 },
      { id: 'c', windowMs: 300, limit: 12 },
    ];
    const charge = fc.record({
      pick: fc.subarray([0, 1, 2], { minLength: 1 }),
      costs: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })),
      reserved: fc.boolean(),
      advance: fc.integer({ min: 0, max: 400 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(charge, { maxLength: 60 }), async (steps) => {
        const clock = new ManualClock(1_000_000);
        const store = memoryRateBudgetStore({ clock });
        const usedAll = () => Promise.all(budgets.map((b) => store.used('g', b.id, b.windowMs)));
        for (const step of steps) {
          await clock.advance(step.advance);
          const lines = step.pick.map((i) => {
            const b = budgets[i] as (typeof budgets)[number];
            return line(b.id, step.costs[i] ?? 0, step.reserved ? Math.floor(b.limit * 0.8) : b.limit, b.windowMs);
          });
          const before = await usedAll();
          const outcome = await store.charge('g', lines);
          const after = await usedAll();
          for (const [i, b] of budgets.entries()) {
            const picked = lines.find((l) => l.budget === b.id);
            const expected = outcome.ok && picked ? (before[i] ?? 0) + picked.cost : before[i];
            expect(after[i]).toBe(expected);
            expect(after[i]).toBeLessThanOrEqual(b.limit);
          }
          if (!outcome.ok) expect(lines.some((l) => (before[budgets.findIndex((b) => b.id === l.budget)] ?? 0) + l.cost > l.ceiling)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
