/** The forced `disabled` state: every call goes through and is recorded; nothing is judged. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { StateChange } from '../../../src/policies/breaker/state-machine.js';
import { failTimes, ok, succeed } from './helpers.js';

function disabledBreaker() {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 2, openMs: 1_000, clock });
  const changes: StateChange[] = [];
  breaker.on('stateChange', (c) => changes.push(c));
  breaker.transitionTo('disabled');
  return { clock, breaker, changes };
}

describe('disabled state', () => {
  it('is entered by transitionTo, reason manual', () => {
    const { breaker, changes } = disabledBreaker();
    expect(breaker.state).toBe('disabled');
    expect(changes).toEqual([{ from: 'closed', to: 'disabled', reason: 'manual', at: 0 }]);
  });

  it('lets every call through however many fail, and never opens', async () => {
    const { breaker } = disabledBreaker();
    await failTimes(breaker, 10);
    expect(breaker.state).toBe('disabled');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.metrics().notPermitted).toBe(0);
  });

  it('still records the calls, so metrics show what the dependency does', async () => {
    const { breaker } = disabledBreaker();
    await failTimes(breaker, 3);
    await succeed(breaker);
    expect(breaker.metrics()).toMatchObject({ state: 'disabled', calls: 4, failures: 3, failureRate: 0.75 });
  });

  it('reports no thresholdExceeded (nothing is judged)', async () => {
    const { breaker } = disabledBreaker();
    const exceeded: unknown[] = [];
    breaker.on('thresholdExceeded', (e) => exceeded.push(e));
    await failTimes(breaker, 5);
    expect(exceeded).toEqual([]);
  });

  it('ignores the fleet hooks: forceOpen and forceClose return false', () => {
    const { breaker } = disabledBreaker();
    expect(breaker.forceOpen(1_000)).toBe(false);
    expect(breaker.forceClose()).toBe(false);
    expect(breaker.state).toBe('disabled');
  });

  it('back to closed by transitionTo, with an empty window; reset() also leaves it', async () => {
    const { breaker } = disabledBreaker();
    await failTimes(breaker, 3);
    breaker.transitionTo('closed');
    expect(breaker.metrics()).toMatchObject({ state: 'closed', calls: 0 });
    breaker.transitionTo('disabled');
    breaker.reset();
    expect(breaker.state).toBe('closed');
  });

  it('isolate() rejects calls; releasing it closes the breaker', async () => {
    const { breaker } = disabledBreaker();
    const hold = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    hold.release();
    expect(breaker.state).toBe('closed');
  });
});
