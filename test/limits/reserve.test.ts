/** Reserve/release (the leased mode's store operations) on every algorithm's memory form. */
import { describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/limits/algorithm.js';
import { fixedWindowAlgorithm } from '../../src/limits/fixed-window.js';
import { gcraAlgorithm } from '../../src/limits/gcra.js';
import { slidingCounterAlgorithm } from '../../src/limits/sliding-counter.js';
import { slidingLogAlgorithm } from '../../src/limits/sliding-log.js';
import { tokenBucketAlgorithm } from '../../src/limits/token-bucket.js';

const algorithms: Record<string, Algorithm> = {
  tokenBucket: tokenBucketAlgorithm(10, 1),
  gcra: gcraAlgorithm(10, 10_000),
  fixedWindow: fixedWindowAlgorithm(10, 10_000),
  'slidingWindow log': slidingLogAlgorithm(10, 10_000),
  'slidingWindow counter': slidingCounterAlgorithm(10, 10_000),
};

describe.each(Object.entries(algorithms))('%s reserve/release', (_name, algorithm) => {
  it('grants as many units as fit, between min and want, and denies below min', () => {
    const state = algorithm.createMemoryState();
    expect(state.consume('k', 4, 1000).allowed).toBe(true);
    const grant = state.reserve('k', 8, 2, 500, 1000);
    expect(grant.granted).toBe(6);
    expect(grant.validForMs).toBeGreaterThan(0);
    const denied = state.reserve('k', 3, 1, 500, 1000);
    expect(denied.granted).toBe(0);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
  });

  it('takes back released units, so they can be charged again', () => {
    const state = algorithm.createMemoryState();
    const grant = state.reserve('k', 10, 1, 500, 1000);
    expect(grant.granted).toBe(10);
    expect(state.consume('k', 1, 1000).allowed).toBe(false);
    state.release('k', 4, grant.stamp, 1000);
    expect(state.consume('k', 4, 1000).allowed).toBe(true);
    expect(state.consume('k', 1, 1000).allowed).toBe(false);
  });
});

describe('slidingWindow log leases', () => {
  it('records a reservation at the end of its lease, so it counts until windowMs after that', () => {
    const state = slidingLogAlgorithm(2, 1000).createMemoryState();
    state.reserve('k', 2, 2, 300, 0);
    // Spent as late as 300 ms, the units must block until 1300 ms.
    expect(state.consume('k', 1, 1299).allowed).toBe(false);
    expect(state.consume('k', 1, 1300).allowed).toBe(true);
  });
});
