/**
 * Accuracy under attack, measured on every algorithm we ship (limit 10 per second). The numbers
 * asserted here are the table in docs/limits.md.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';
import { gcra } from '../../src/limits/gcra.js';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { maxInRollingWindow } from './rolling.js';

const algorithms: Record<string, (clock: Clock) => RateLimiter> = {
  'slidingWindow log': (clock) => slidingWindow({ limit: 10, windowMs: 1000, clock }),
  'slidingWindow counter': (clock) => slidingWindow({ limit: 10, windowMs: 1000, mode: 'counter', clock }),
  fixedWindow: (clock) => fixedWindow({ limit: 10, windowMs: 1000, clock }),
  tokenBucket: (clock) => tokenBucket({ capacity: 10, refillPerSecond: 10, clock }),
  'gcra (burst 10)': (clock) => gcra({ limit: 10, periodMs: 1000, clock }),
  'gcra (burst 1)': (clock) => gcra({ limit: 10, periodMs: 1000, burst: 1, clock }),
};

/** Runs `calls` (time -> number of calls) and returns the times of the admitted ones. */
function run(make: (clock: Clock) => RateLimiter, calls: ReadonlyArray<readonly [number, number]>): number[] {
  let now = 0;
  const clock: Clock = { now: () => now, sleep: () => Promise.reject(new Error('unused')) };
  const limiter = make(clock);
  const admitted: number[] = [];
  for (const [at, count] of calls) {
    now = at;
    for (let i = 0; i < count; i++) if (limiter.tryConsume('k').allowed) admitted.push(at);
  }
  return admitted;
}

/** The edge attack: 1 call at t=0, 20 at 985 ms, 20 at 1005 ms. */
const edgeAttack = [
  [0, 1],
  [985, 20],
  [1005, 20],
] as const;

/** Worst case: a full burst just before a window edge, then a call every millisecond for 2 s. */
const burstThenGreedy: Array<readonly [number, number]> = [[999, 10]];
for (let t = 1000; t < 3000; t++) burstThenGreedy.push([t, 1]);

describe('edge attack (limit 10 per second)', () => {
  it('slidingWindow log never admits more than 10 in any rolling 1 s window', () => {
    const admitted = run(algorithms['slidingWindow log'] as (clock: Clock) => RateLimiter, edgeAttack);
    expect(maxInRollingWindow(admitted, 1000)).toBe(10);
  });

  it('measures every algorithm: admitted in all, and the most in any rolling 1 s window', () => {
    const table = Object.fromEntries(
      Object.entries(algorithms).map(([name, make]) => {
        const edge = run(make, edgeAttack);
        const worst = run(make, burstThenGreedy);
        return [name, { edgeAdmitted: edge.length, edgeMaxRolling: maxInRollingWindow(edge, 1000), worstMaxRolling: maxInRollingWindow(worst, 1000) }];
      }),
    );
    expect(table).toEqual({
      'slidingWindow log': { edgeAdmitted: 11, edgeMaxRolling: 10, worstMaxRolling: 10 },
      'slidingWindow counter': { edgeAdmitted: 10, edgeMaxRolling: 10, worstMaxRolling: 19 },
      fixedWindow: { edgeAdmitted: 20, edgeMaxRolling: 19, worstMaxRolling: 20 },
      tokenBucket: { edgeAdmitted: 11, edgeMaxRolling: 11, worstMaxRolling: 19 },
      'gcra (burst 10)': { edgeAdmitted: 11, edgeMaxRolling: 11, worstMaxRolling: 19 },
      'gcra (burst 1)': { edgeAdmitted: 2, edgeMaxRolling: 2, worstMaxRolling: 10 },
    });
  });
});
