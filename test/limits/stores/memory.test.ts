import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { fixedWindowAlgorithm } from '../../../src/limits/fixed-window.js';
import { memoryStore } from '../../../src/limits/stores/memory.js';

describe('memoryStore', () => {
  it('decides synchronously, and consume wraps the same decision in a resolved promise', async () => {
    const bound = memoryStore().bind(fixedWindowAlgorithm(2, 1000), new ManualClock());
    expect(bound.tryConsume?.('k', 1)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    expect(await bound.consume('k', 1)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(bound.tryConsume?.('k', 1).allowed).toBe(false);
  });

  it('reserves as many units as fit (at least min) and takes released units back', async () => {
    const bound = memoryStore().bind(fixedWindowAlgorithm(10, 1000), new ManualClock());
    await bound.consume('k', 7);
    const grant = await bound.reserve('k', 5, 2, 500);
    expect(grant).toMatchObject({ granted: 3, remaining: 0, validForMs: 500 });
    expect((await bound.reserve('k', 5, 1, 500)).granted).toBe(0);
    await bound.release('k', 2, grant.stamp);
    expect((await bound.consume('k', 2)).allowed).toBe(true);
  });

  it('gives each limiter bound to one store its own keys', () => {
    const store = memoryStore();
    const clock = new ManualClock();
    const a = store.bind(fixedWindowAlgorithm(1, 1000), clock);
    const b = store.bind(fixedWindowAlgorithm(1, 1000), clock);
    expect(a.tryConsume?.('k', 1).allowed).toBe(true);
    expect(b.tryConsume?.('k', 1).allowed).toBe(true);
  });
});
