/**
 * Regression: a bulkhead slot is held until the operation's own promise settles, even after an
 * outer timeout has given up on the call. Freeing the slot when the timeout fires lets a second
 * call start while the first is still running against the dependency: duplicate work, and a
 * concurrency cap that does not cap.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { TimeoutError } from '../../../src/core/errors.js';
import { bulkhead } from '../../../src/policies/bulkhead.js';
import { pipeline } from '../../../src/policies/pipeline.js';
import { timeout } from '../../../src/policies/timeout.js';
import { deferred, track } from '../helpers.js';

describe('regression: bulkhead holds its slot after an outer timeout', () => {
  it('pipeline(timeout 10ms, bulkhead 1): call 2 does not start until call 1 itself settles', async () => {
    const clock = new ManualClock();
    const inner = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const policy = pipeline(timeout({ ms: 10, clock }), inner);
    const first = deferred<string>();
    let secondStarted = false;

    const call1 = track(policy.execute(() => first.promise));
    await clock.advance(10);
    expect(call1.error).toBeInstanceOf(TimeoutError);

    const call2 = track(
      policy.execute(() => {
        secondStarted = true;
        return 'second';
      }),
    );
    await clock.advance(5);
    expect(secondStarted).toBe(false);
    expect(inner.executing).toBe(1);
    expect(inner.queued).toBe(1);

    first.resolve('first, too late');
    await clock.advance(0);
    expect(secondStarted).toBe(true);
    expect(call2.value).toBe('second');
    expect(inner.executing).toBe(0);
  });

  it('without a queue, call 2 is rejected while call 1 still runs after its timeout', async () => {
    const clock = new ManualClock();
    const policy = pipeline(timeout({ ms: 10, clock }), bulkhead({ maxConcurrent: 1, maxQueue: 0, clock }));
    const first = deferred<void>();
    track(policy.execute(() => first.promise));
    await clock.advance(10);
    let ran = false;
    await expect(policy.execute(() => (ran = true))).rejects.toMatchObject({ code: 'BULKHEAD_FULL' });
    expect(ran).toBe(false);
  });
});
