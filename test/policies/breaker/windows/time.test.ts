import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/clock.js';
import { circuitBreaker } from '../../../../src/policies/breaker/circuit-breaker.js';
import { TimeWindow } from '../../../../src/policies/breaker/windows/time.js';
import { FAILED, SLOW } from '../../../../src/policies/breaker/windows/window.js';
import { failTimes, succeed } from '../helpers.js';

const lenient = { failureRateThreshold: 1, slowCallRateThreshold: Infinity, minimumCalls: 1 };

describe('time window', () => {
  it('holds the calls of the last ms, in tenths: a call counts until its bucket is ten buckets old', () => {
    const window = new TimeWindow(1_000, lenient);
    window.record(FAILED, 50); // bucket 0 (0-99 ms)
    window.record(SLOW, 150); // bucket 1
    expect(window.totals(999)).toEqual({ calls: 2, failures: 1, slowCalls: 1 });
    expect(window.totals(1_000)).toEqual({ calls: 1, failures: 0, slowCalls: 1 }); // bucket 0 expired
    expect(window.totals(1_099)).toEqual({ calls: 1, failures: 0, slowCalls: 1 });
    expect(window.totals(1_100)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('forgets everything after a gap longer than the window', () => {
    const window = new TimeWindow(1_000, lenient);
    for (let t = 0; t < 1_000; t += 10) window.record(FAILED, t);
    expect(window.totals(999).calls).toBe(100);
    expect(window.record(0, 50_000)).toBeUndefined();
    expect(window.totals(50_000)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
  });

  it('records into the newest bucket when the clock steps back', () => {
    const window = new TimeWindow(1_000, lenient);
    window.record(0, 500);
    window.record(FAILED, 100);
    expect(window.totals(500)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
    expect(window.totals(1_500)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('round-trips through a snapshot', () => {
    const window = new TimeWindow(1_000, lenient);
    window.record(FAILED, 120);
    window.record(0, 730);
    const copy = new TimeWindow(1_000, lenient);
    copy.restore(window.snapshot(800));
    expect(copy.totals(800)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
    expect(copy.totals(1_100)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
  });

  it('ignores a snapshot of a window of another length', () => {
    const window = new TimeWindow(1_000, lenient);
    window.record(FAILED, 10);
    const other = new TimeWindow(2_000, lenient);
    other.restore(window.snapshot(10));
    expect(other.totals(10).calls).toBe(0);
  });

  it('opens the breaker on the failure rate of recent calls only', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'time', ms: 10_000 }, minimumCalls: 4, clock });
    await failTimes(breaker, 3);
    await clock.advance(10_000); // those failures expire
    await succeed(breaker, 2);
    await failTimes(breaker, 1); // 1 of 3
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ calls: 3, failures: 1 });
    await failTimes(breaker, 1); // 2 of 4
    expect(breaker.state).toBe('open');
  });

  it('needs no timer while idle', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'time', ms: 1_000 }, clock });
    await failTimes(breaker, 3);
    expect(clock.pendingTimers).toBe(0);
  });
});
