/** Every policy emits `success` and `failure` with the call's duration, as the breaker does. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { TimeoutError } from '../../src/core/errors.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { adaptiveConcurrency } from '../../src/limits/adaptive/concurrency-limiter.js';
import { adaptiveThrottle } from '../../src/limits/adaptive/throttle.js';
import { aimd } from '../../src/limits/adaptive/aimd.js';
import { bulkhead } from '../../src/policies/bulkhead.js';
import { fallback } from '../../src/policies/fallback.js';
import { hedge } from '../../src/policies/hedge.js';
import { rateLimit } from '../../src/policies/rate-limit.js';
import { timeout } from '../../src/policies/timeout.js';
import type { BasePolicy } from '../../src/core/policy.js';
import type { OutcomeEvents } from '../../src/core/outcome-events.js';

type Seen = Array<[string, number, unknown?]>;

function listen<E extends OutcomeEvents>(policy: BasePolicy<E>): Seen {
  const seen: Seen = [];
  policy.on('success', (e) => seen.push(['success', e.durationMs]));
  policy.on('failure', (e) => seen.push(['failure', e.durationMs, e.error]));
  return seen;
}

const after = (clock: ManualClock, ms: number, outcome: () => unknown) => () => clock.sleep(ms).then(outcome);

describe('success and failure events with durationMs', () => {
  it('timeout: a call that settles in time, and one that reaches its deadline', async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 100, clock });
    const seen = listen(policy);
    const ok = policy.execute(after(clock, 30, () => 'ok'));
    await clock.advance(30);
    await ok;
    const late = policy.execute(() => new Promise(() => undefined)).catch((e: unknown) => e);
    await clock.advance(100);
    const error = await late;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual([
      ['success', 30],
      ['failure', 100, error],
    ]);
  });

  it('fallback: a substituted call is a success; an unhandled error is a failure', async () => {
    const clock = new ManualClock();
    const boom = new Error('boom');
    const substituting = fallback({ value: 'cached', clock });
    const seen = listen(substituting);
    const first = substituting.execute(after(clock, 20, () => Promise.reject(boom)));
    await clock.advance(20);
    expect(await first).toBe('cached');
    const passing = fallback({ value: 'x', handle: () => false, clock });
    const seen2 = listen(passing);
    const second = passing.execute(after(clock, 5, () => Promise.reject(boom))).catch((e: unknown) => e);
    await clock.advance(5);
    expect(await second).toBe(boom);
    expect(seen).toEqual([['success', 20]]);
    expect(seen2).toEqual([['failure', 5, boom]]);
  });

  it('hedge: the whole race is timed', async () => {
    const clock = new ManualClock();
    const policy = hedge({ delayMs: 10, clock });
    const seen = listen(policy);
    const call = policy.execute(after(clock, 40, () => 'ok'));
    await clock.advance(40);
    await call;
    expect(seen).toEqual([['success', 40]]);
  });

  it('bulkhead: calls that ran are timed; a rejected call emits rejected only', async () => {
    const clock = new ManualClock();
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 0, clock });
    const seen = listen(policy);
    const rejected: string[] = [];
    policy.on('rejected', (e) => rejected.push(e.reason));
    const running = policy.execute(after(clock, 15, () => 'ok'));
    await policy.execute(() => 'never').catch(() => undefined);
    await clock.advance(15);
    await running;
    expect(seen).toEqual([['success', 15]]);
    expect(rejected).toEqual(['queue-full']);
  });

  it('rateLimit: admitted calls are timed from admission; a refused call emits rejected only', async () => {
    const clock = new ManualClock();
    const policy = rateLimit(tokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const seen = listen(policy);
    const reasons: string[] = [];
    policy.on('rejected', (e) => reasons.push(e.reason));
    const call = policy.execute(after(clock, 25, () => 'ok'));
    await Promise.resolve();
    await policy.execute(() => 'refused').catch(() => undefined);
    await clock.advance(25);
    await call;
    expect(seen).toEqual([['success', 25]]);
    expect(reasons).toEqual(['limited']);
  });

  it('adaptive concurrency: calls that ran are timed; a rejected call emits rejected only', async () => {
    const clock = new ManualClock();
    const policy = adaptiveConcurrency({ algorithm: aimd({ initialLimit: 1, minLimit: 1 }), maxQueue: 0, clock });
    const seen = listen(policy);
    const rejected: string[] = [];
    policy.on('rejected', (e) => rejected.push(e.reason));
    const boom = new Error('boom');
    const running = policy.execute(after(clock, 30, () => Promise.reject(boom))).catch(() => undefined);
    await Promise.resolve();
    await policy.execute(() => 'refused').catch(() => undefined);
    await clock.advance(30);
    await running;
    expect(seen).toEqual([['failure', 30, boom]]);
    const second = policy.execute(after(clock, 5, () => 'ok'));
    await clock.advance(5);
    await second;
    expect(seen.at(-1)).toEqual(['success', 5]);
    expect(rejected).toEqual(['queue-full']);
  });

  it('adaptive throttle: calls sent are timed; a call refused locally emits rejected only', async () => {
    const clock = new ManualClock();
    const policy = adaptiveThrottle({ k: 1, random: () => 0, clock });
    const seen = listen(policy);
    const rejected: string[] = [];
    policy.on('rejected', (e) => rejected.push(e.reason));
    const ok = policy.execute(after(clock, 10, () => 'ok'));
    await clock.advance(10);
    await ok;
    const overloaded = Object.assign(new Error('busy'), { status: 503 });
    const refusedByBackend = policy.execute(after(clock, 20, () => Promise.reject(overloaded))).catch(() => undefined);
    await clock.advance(20);
    await refusedByBackend;
    expect(seen).toEqual([
      ['success', 10],
      ['failure', 20, overloaded],
    ]);
    // requests 2, accepts 1: probability (2 - 1) / 3 > 0 and random() = 0, so the next call is shed locally.
    await policy.execute(() => 'shed').catch(() => undefined);
    expect(rejected).toEqual(['throttled']);
    expect(seen).toHaveLength(2);
  });
});
