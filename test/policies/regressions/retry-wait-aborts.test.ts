/**
 * Regression: the wait between tries must end at once when the caller's signal aborts.
 * (A retry whose backoff sleep ignores abort keeps a cancelled call alive for the whole delay
 * and then tries again, sending work nobody wants any more.)
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { AbortedError, TimeoutError } from '../../../src/core/errors.js';
import { backoff } from '../../../src/policies/backoff.js';
import { type RetryEvents, retry } from '../../../src/policies/retry.js';
import { track } from '../helpers.js';

describe('regression: retry wait aborts', () => {
  it('rejects with AbortedError as soon as the caller aborts during the wait, without advancing time', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const policy = retry({ maxAttempts: 5, backoff: backoff.constant(60_000), clock });
    const giveUps: Array<RetryEvents['giveUp']> = [];
    policy.on('giveUp', (e) => giveUps.push(e));
    let calls = 0;
    const result = track(
      policy.execute(
        () => {
          calls++;
          throw new Error('exchange unavailable');
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(0);
    expect(calls).toBe(1);
    expect(result.state).toBe('pending');

    controller.abort('user cancelled');
    await clock.advance(0); // let continuations run; the clock does not move

    expect(result.state).toBe('rejected');
    expect(result.error).toBeInstanceOf(AbortedError);
    expect((result.error as AbortedError).cause).toBe('user cancelled');
    expect(giveUps.map((e) => e.reason)).toEqual(['aborted']);
    // The wait's timer is gone and no further try is made later.
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(120_000);
    expect(calls).toBe(1);
  });

  it('passes a toolkit reason (e.g. an outer deadline) through as it is', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const result = track(
      retry({ backoff: backoff.constant(1000), clock }).execute(() => Promise.reject(new Error('x')), { signal: controller.signal }),
    );
    await clock.advance(0);
    const deadline = new TimeoutError(50);
    controller.abort(deadline);
    await clock.advance(0);
    expect(result.error).toBe(deadline);
  });
});
