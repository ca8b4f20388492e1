import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Backoff, type Jitter, backoff } from '../../src/policies/backoff.js';
import { seededRandom as seeded } from '../../src/core/random.js';


function delays(recipe: Backoff, count: number): number[] {
  const sequence = recipe.start();
  return Array.from({ length: count }, () => sequence.next());
}

const exponentialParams = fc.record({
  initialMs: fc.integer({ min: 0, max: 10_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  maxMs: fc.integer({ min: 0, max: 100_000 }),
  seed: fc.integer(),
  count: fc.integer({ min: 1, max: 1200 }),
});

describe('backoff.constant', () => {
  it('returns the same delay every time', () => {
    expect(delays(backoff.constant(250), 4)).toEqual([250, 250, 250, 250]);
  });

  it('rejects a negative delay, naming the option', () => {
    expect(() => backoff.constant(-1)).toThrow(/ms must be a finite number >= 0/);
  });
});

describe('backoff.linear', () => {
  it('grows by stepMs and stops at maxMs', () => {
    expect(delays(backoff.linear({ initialMs: 100, stepMs: 50, maxMs: 220 }), 5)).toEqual([100, 150, 200, 220, 220]);
  });

  it('rejects a negative or NaN maxMs instead of producing NaN delays (regression)', () => {
    expect(() => backoff.linear({ initialMs: 1, stepMs: 1, maxMs: -5 })).toThrow('backoff: maxMs must be a finite number >= 0, got -5');
    expect(() => backoff.linear({ initialMs: 1, stepMs: 1, maxMs: Number.NaN })).toThrow(/maxMs/);
  });
});

describe('backoff.exponential', () => {
  it("with jitter 'none' doubles from initialMs up to maxMs", () => {
    expect(delays(backoff.exponential({ initialMs: 100, maxMs: 1000, jitter: 'none' }), 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('property: with jitter none, delay n is min(maxMs, initialMs * factor^(n-1))', () => {
    fc.assert(
      fc.property(exponentialParams, ({ initialMs, factor, maxMs, count }) => {
        const got = delays(backoff.exponential({ initialMs, factor, maxMs, jitter: 'none' }), count);
        // Plain comparisons in the loop: expect() per element would make the property slow.
        return got.every((delay, i) => delay === (initialMs === 0 ? 0 : Math.min(maxMs, initialMs * factor ** i)));
      }),
      { numRuns: 200 },
    );
  });

  it('property: every jitter mode stays within [0, maxMs] and is never NaN', () => {
    const modes: Jitter[] = ['none', 'full', 'equal', 'decorrelated'];
    fc.assert(
      fc.property(exponentialParams, fc.constantFrom(...modes), ({ initialMs, factor, maxMs, seed, count }, jitter) => {
        const got = delays(backoff.exponential({ initialMs, factor, maxMs, jitter, random: seeded(seed) }), count);
        return got.every((delay) => delay >= 0 && delay <= maxMs); // false for NaN too
      }),
      { numRuns: 300 },
    );
  });

  it('property: full jitter draws from [0, cap], equal from [cap/2, cap], decorrelated from [min(initialMs, maxMs), maxMs]', () => {
    fc.assert(
      fc.property(exponentialParams, ({ initialMs, factor, maxMs, seed, count }) => {
        const cap = (n: number): number => (initialMs === 0 ? 0 : Math.min(maxMs, initialMs * factor ** (n - 1)));
        const full = delays(backoff.exponential({ initialMs, factor, maxMs, jitter: 'full', random: seeded(seed) }), count);
        const equal = delays(backoff.exponential({ initialMs, factor, maxMs, jitter: 'equal', random: seeded(seed) }), count);
        const decorrelated = delays(
          backoff.exponential({ initialMs, factor, maxMs, jitter: 'decorrelated', random: seeded(seed) }),
          count,
        );
        const low = Math.min(initialMs, maxMs);
        for (let n = 1; n <= count; n++) {
          const c = cap(n);
          const f = full[n - 1] as number;
          const e = equal[n - 1] as number;
          const d = decorrelated[n - 1] as number;
          if (!(f >= 0 && f <= c)) return false;
          if (!(e >= c / 2 && e <= c)) return false;
          if (!(d >= low && d <= maxMs)) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('with initialMs 0 stays 0 after the power overflows, instead of NaN (regression)', () => {
    const got = delays(backoff.exponential({ initialMs: 0, factor: 2, maxMs: 1000, jitter: 'none' }), 1100);
    expect(got.at(-1)).toBe(0);
    expect(got.some(Number.isNaN)).toBe(false);
  });

  it('treats an option passed as undefined as its default (regression: spread let undefined override defaults)', () => {
    const recipe = backoff.exponential({ initialMs: undefined, jitter: undefined, maxMs: undefined, random: () => 0 });
    // Decorrelated jitter with random() = 0 stays at initialMs: the default 100.
    expect(delays(recipe, 3)).toEqual([100, 100, 100]);
  });

  it('each start() is an independent sequence', () => {
    const recipe = backoff.exponential({ initialMs: 10, jitter: 'none' });
    const a = recipe.start();
    a.next();
    a.next();
    expect(recipe.start().next()).toBe(10);
    expect(a.next()).toBe(40);
  });

  it('rejects bad options with the option named', () => {
    expect(() => backoff.exponential({ factor: 0.5 })).toThrow(/factor must be a finite number >= 1/);
    expect(() => backoff.exponential({ factor: Infinity })).toThrow(/factor/);
    expect(() => backoff.exponential({ initialMs: -1 })).toThrow(/initialMs/);
    expect(() => backoff.exponential({ maxMs: Number.NaN })).toThrow(/maxMs/);
    expect(() => backoff.exponential({ jitter: 'wild' as Jitter })).toThrow("backoff: jitter must be one of 'none', 'full', 'equal', 'decorrelated', got wild");
  });
});

describe('backoff.custom', () => {
  it('passes the 1-based attempt and the error, and clamps negatives to 0', () => {
    const seen: Array<[number, unknown]> = [];
    const sequence = backoff
      .custom((attempt, error) => {
        seen.push([attempt, error]);
        return attempt === 2 ? -5 : attempt * 10;
      })
      .start();
    expect([sequence.next('a'), sequence.next('b'), sequence.next('c')]).toEqual([10, 0, 30]);
    expect(seen).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('reports a delay function that returns NaN instead of waiting NaN ms', () => {
    const sequence = backoff.custom(() => Number.NaN).start();
    expect(() => sequence.next()).toThrow(/returned NaN for attempt 1/);
  });
});
