/** forceOpen / forceClose from every state: how a breaker follows a decision taken elsewhere. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BrokenCircuitError } from '../../../src/core/errors.js';
import { backoff } from '../../../src/policies/backoff.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import type { StateChange } from '../../../src/policies/breaker/state-machine.js';
import { failTimes, ok, pendingCall, settled, succeed } from './helpers.js';

function make(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, openMs: 1_000, clock, ...options });
  const changes: StateChange[] = [];
  breaker.on('stateChange', (c) => changes.push(c));
  return { clock, breaker, changes };
}

describe('forceOpen', () => {
  it('closed -> open for the given time, then half-open, with reason forcedOpen', async () => {
    const { clock, breaker, changes } = make();
    await failTimes(breaker); // one failure in the window: forgotten on open
    expect(breaker.forceOpen(5_000)).toBe(true);
    expect(changes).toEqual([{ from: 'closed', to: 'open', reason: 'forced-open', at: 0 }]);
    expect(await settled(breaker.execute(ok))).toBeInstanceOf(BrokenCircuitError);
    expect(breaker.metrics().retryAfterMs).toBe(5_000);
    await clock.advance(4_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('open -> open with the new end and no stateChange', async () => {
    const { clock, breaker, changes } = make();
    await failTimes(breaker, 2);
    expect(breaker.metrics().retryAfterMs).toBe(1_000);
    await clock.advance(200);
    expect(breaker.forceOpen(3_000)).toBe(true);
    expect(breaker.metrics().retryAfterMs).toBe(3_000);
    expect(changes.map((c) => c.reason)).toEqual(['consecutive-failures']);
  });

  it('half-open -> open; a trial running meanwhile no longer counts', async () => {
    const { clock, breaker, changes } = make();
    await failTimes(breaker, 2);
    await clock.advance(1_000);
    const trial = pendingCall(breaker);
    expect(trial.started).toBe(true);
    breaker.forceOpen(2_000);
    expect(breaker.state).toBe('open');
    trial.resolve();
    await trial.call;
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ from: 'half-open', to: 'open', reason: 'forced-open' });
  });

  it('continues the open-duration growth as a re-open would', async () => {
    const { clock, breaker } = make({ openMs: backoff.exponential({ initialMs: 1_000, factor: 2, jitter: 'none' }) });
    breaker.forceOpen(1_000); // counts as the first open (1 s)
    await clock.advance(1_000);
    await failTimes(breaker); // trial fails: second open, 2 s
    expect(breaker.metrics().retryAfterMs).toBe(2_000);
    expect(breaker.snapshot().opens).toBe(2);
  });

  it('isolated: stays isolated and returns false', () => {
    const { breaker, changes } = make();
    breaker.isolate();
    expect(breaker.forceOpen(1_000)).toBe(false);
    expect(breaker.state).toBe('isolated');
    expect(changes.map((c) => c.reason)).toEqual(['isolated']);
  });

  it('refuses a duration that is not a finite number >= 0, naming it', () => {
    const { breaker } = make();
    expect(() => breaker.forceOpen(-1)).toThrow(/forceOpen\(ms\) must be a finite number >= 0, got -1/);
    expect(() => breaker.forceOpen(Number.NaN)).toThrow(/got NaN/);
    expect(breaker.state).toBe('closed');
  });
});

describe('forceClose', () => {
  it('open -> closed with an empty window and reason forcedClose', async () => {
    const { breaker, changes } = make({ window: { kind: 'count', size: 10 }, minimumCalls: 2 });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('open');
    expect(breaker.forceClose()).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ calls: 0, failures: 0 });
    expect(changes.at(-1)).toMatchObject({ from: 'open', to: 'closed', reason: 'forced-close' });
  });

  it('half-open -> closed; a late trial failure does not re-open it', async () => {
    const { clock, breaker } = make();
    await failTimes(breaker, 2);
    await clock.advance(1_000);
    const trial = pendingCall(breaker);
    expect(breaker.forceClose()).toBe(true);
    trial.reject();
    await trial.call;
    expect(breaker.state).toBe('closed');
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('resets the open-duration growth', async () => {
    const { clock, breaker } = make({ openMs: backoff.exponential({ initialMs: 1_000, factor: 2, jitter: 'none' }) });
    await failTimes(breaker, 2);
    await clock.advance(1_000);
    await failTimes(breaker); // 2 s now
    breaker.forceClose();
    await failTimes(breaker, 2);
    expect(breaker.metrics().retryAfterMs).toBe(1_000);
  });

  it('closed and isolated: nothing happens, returns false', () => {
    const { breaker, changes } = make();
    expect(breaker.forceClose()).toBe(false);
    breaker.isolate();
    expect(breaker.forceClose()).toBe(false);
    expect(breaker.state).toBe('isolated');
    expect(changes.map((c) => c.reason)).toEqual(['isolated']);
  });
});
