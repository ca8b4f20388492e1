/** reconfigure(): a breaker's window, thresholds and open duration changed while it runs. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import type { SettingsChange } from '../../../src/core/settings-change.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { BreakerSettings } from '../../../src/policies/breaker/settings.js';
import { failTimes, succeed } from './helpers.js';

describe('breaker.reconfigure', () => {
  it('another consecutive count is another window: it starts empty and trips at its own count', async () => {
    const b = circuitBreaker({ window: { kind: 'consecutive', failures: 5 }, clock: new ManualClock() });
    await failTimes(b, 3);
    expect(b.state).toBe('closed');
    b.reconfigure({ window: { kind: 'consecutive', failures: 2 } });
    // Another window (2 in a row is not 5 in a row): it starts empty, so one failure does not trip it...
    await failTimes(b, 1);
    expect(b.state).toBe('closed');
    // ...and the second does.
    await failTimes(b, 1);
    expect(b.state).toBe('open');
  });

  it('the same window with a new threshold keeps its calls and judges them by the new threshold at the next call', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 10 }, failureRateThreshold: 0.5, minimumCalls: 10, clock: new ManualClock() });
    await succeed(b, 7);
    await failTimes(b, 2);
    b.reconfigure({ failureRateThreshold: 0.2, minimumCalls: 5 });
    expect(b.metrics()).toMatchObject({ calls: 9, failures: 2, state: 'closed' });
    await succeed(b, 1); // 2 of 10 failed: 20% reaches the new threshold
    expect(b.state).toBe('open');
  });

  it('a rate window replacing a consecutive one starts empty and judges rates from then on', async () => {
    const b = circuitBreaker({ window: { kind: 'consecutive', failures: 3 }, clock: new ManualClock() });
    await failTimes(b, 2);
    b.reconfigure({ window: { kind: 'count', size: 10 }, failureRateThreshold: 0.2, minimumCalls: 5 });
    expect(b.metrics()).toMatchObject({ calls: 0, failures: 0 });
    await failTimes(b, 1);
    await succeed(b, 3);
    expect(b.state).toBe('closed'); // 4 calls: fewer than minimumCalls
    await succeed(b, 1); // 1 of 5 = 20%
    expect(b.state).toBe('open');
  });

  it('a new open duration applies from the next opening; an open breaker keeps its end', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 10_000, clock });
    await failTimes(b, 1);
    b.reconfigure({ openMs: 2_000 });
    await clock.advance(2_000);
    expect(b.state).toBe('open');
    await clock.advance(8_000);
    expect(b.state).toBe('half-open');
    await succeed(b, 1);
    await failTimes(b, 1);
    expect(b.metrics().retryAfterMs).toBe(2_000);
  });

  it('emits settingsChange with the settings before and after, and returns those in force', async () => {
    const clock = new ManualClock(5_000);
    const b = circuitBreaker({ window: { kind: 'count', size: 100 }, minimumCalls: 20, clock });
    const seen: Array<SettingsChange<BreakerSettings>> = [];
    b.on('settingsChange', (c) => seen.push(c));
    const now = b.reconfigure({ minimumCalls: 40, halfOpenCalls: 2 });
    expect(now).toMatchObject({ minimumCalls: 40, halfOpenCalls: 2, failureRateThreshold: 0.5, window: { kind: 'count', size: 100 } });
    expect(seen).toEqual([{ from: expect.objectContaining({ minimumCalls: 20, halfOpenCalls: 1 }), to: now, at: 5_000 }]);
    expect(b.currentSettings()).toEqual(now);
  });

  it('a bad value throws naming it and changes nothing; a fixed option is refused', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 10 }, failureRateThreshold: 0.5, minimumCalls: 10, clock: new ManualClock() });
    const before = b.currentSettings();
    expect(() => b.reconfigure({ failureRateThreshold: 1.5 })).toThrow(/circuitBreaker: failureRateThreshold/);
    expect(() => b.reconfigure({ window: { kind: 'count', size: 0 } })).toThrow(/window\.size/);
    expect(() => b.reconfigure({ name: 'other' } as BreakerSettings)).toThrow('circuitBreaker: reconfigure cannot change name');
    expect(b.currentSettings()).toEqual(before);
  });

  it('slow calls measured from a reconfigure on: calls are timed and a slow run trips', async () => {
    const clock = new ManualClock();
    const b = circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, clock });
    b.reconfigure({ slowCallMs: 100 });
    for (let i = 0; i < 2; i++) {
      const call = b.execute(() => clock.sleep(150));
      await clock.advance(150);
      await call;
    }
    expect(b.state).toBe('open');
  });

  it('keeps what reconfigure cannot change: the name, isFailure and the clock', async () => {
    const clock = new ManualClock(7_000);
    const ignored = new Error('not the dependency');
    const b = circuitBreaker({ name: 'venue', window: { kind: 'consecutive', failures: 1 }, isFailure: (e) => e !== ignored, clock });
    b.reconfigure({ openMs: 1_000 });
    await b.execute(() => Promise.reject(ignored)).catch(() => undefined);
    expect(b.state).toBe('closed');
    await failTimes(b, 1);
    expect(b.state).toBe('open');
    await expect(b.execute(() => Promise.resolve(1))).rejects.toThrow('Circuit "venue" is open');
    expect(b.metrics()).toMatchObject({ since: 7_000, retryAfterMs: 1_000 });
  });
});
