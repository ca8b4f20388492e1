/** Half-open judged by a rate (`halfOpenJudge: 'rate'`), as resilience4j judges its permitted half-open calls. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import type { StateChange } from '../../../src/policies/breaker/state-machine.js';
import { boom, failTimes, flush, pendingCall, settled, succeed, timedCall } from './helpers.js';

async function halfOpenBreaker(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({
    window: { kind: 'consecutive', failures: 1 },
    openMs: 1_000,
    halfOpenCalls: 4,
    halfOpenJudge: 'rate',
    failureRateThreshold: 0.5,
    clock,
    ...options,
  });
  await failTimes(breaker);
  await clock.advance(1_000);
  expect(breaker.state).toBe('half-open');
  const changes: StateChange[] = [];
  breaker.on('stateChange', (c) => changes.push(c));
  return { clock, breaker, changes };
}

describe("half-open state judged by rate (halfOpenJudge: 'rate')", () => {
  it('a failed trial does not re-open while the rate can still stay under the threshold', async () => {
    const { breaker } = await halfOpenBreaker();
    await failTimes(breaker);
    expect(breaker.state).toBe('half-open');
  });

  it('closes once all trials have finished with a failure rate under the threshold (1 of 4)', async () => {
    const { breaker, changes } = await halfOpenBreaker();
    await failTimes(breaker);
    await succeed(breaker, 2);
    expect(breaker.state).toBe('half-open');
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => c.reason)).toEqual(['trials-succeeded']);
  });

  it('re-opens as soon as the failures reach the threshold share of the trials (2 of 4), without waiting for the rest', async () => {
    const { breaker, changes } = await halfOpenBreaker();
    const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
    trials[0]!.reject();
    await flush();
    expect(breaker.state).toBe('half-open');
    trials[1]!.reject();
    await flush();
    expect(breaker.state).toBe('open');
    expect(changes.map((c) => c.reason)).toEqual(['trial-failed']);
    // The trials still running count for nothing once the state moved on.
    trials[2]!.resolve();
    trials[3]!.resolve();
    await Promise.all(trials.map((t) => t.call));
    expect(breaker.state).toBe('open');
  });

  it('re-opens on the slow-call rate (reason trial-slow) when slow calls are measured', async () => {
    const { clock, breaker, changes } = await halfOpenBreaker({ slowCallMs: 100, slowCallRateThreshold: 0.5 });
    await timedCall(breaker, clock, 150);
    expect(breaker.state).toBe('half-open');
    await timedCall(breaker, clock, 150);
    expect(breaker.state).toBe('open');
    expect(changes.map((c) => c.reason)).toEqual(['trial-slow']);
  });

  it('still admits only halfOpenCalls trials at once', async () => {
    const { breaker } = await halfOpenBreaker();
    const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
    const fifth = pendingCall(breaker);
    expect(trials.every((t) => t.started)).toBe(true);
    expect(fifth.started).toBe(false);
    expect(await fifth.call).toMatchObject({ code: 'CIRCUIT_OPEN' });
    trials.forEach((t) => t.resolve());
    await Promise.all(trials.map((t) => t.call));
    expect(breaker.state).toBe('closed');
  });

  it("with one trial it decides as 'all' does: the failure re-opens", async () => {
    const { breaker } = await halfOpenBreaker({ halfOpenCalls: 1 });
    expect(await settled(breaker.execute(() => Promise.reject(boom)))).toBe(boom);
    expect(breaker.state).toBe('open');
  });

  it("'all' (the default) re-opens on the first failed trial where 'rate' waits", async () => {
    const { breaker } = await halfOpenBreaker({ halfOpenJudge: 'all' });
    await failTimes(breaker);
    expect(breaker.state).toBe('open');
  });
});
