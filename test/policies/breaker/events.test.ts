import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { boom, failTimes, ok, settled, succeed, timedCall } from './helpers.js';

describe('events', () => {
  it('reports every state change with from, to, reason and time', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, clock });
    const changes: unknown[] = [];
    breaker.on('stateChange', (c) => changes.push(c));
    await failTimes(breaker);
    await clock.advance(1_000);
    await failTimes(breaker); // trial fails
    await clock.advance(1_000);
    await succeed(breaker); // trial succeeds
    breaker.isolate();
    breaker.reset();
    expect(changes).toEqual([
      { from: 'closed', to: 'open', reason: 'consecutive-failures', at: 0 },
      { from: 'open', to: 'half-open', reason: 'open-elapsed', at: 1_000 },
      { from: 'half-open', to: 'open', reason: 'trial-failed', at: 1_000 },
      { from: 'open', to: 'half-open', reason: 'open-elapsed', at: 2_000 },
      { from: 'half-open', to: 'closed', reason: 'trials-succeeded', at: 2_000 },
      { from: 'closed', to: 'isolated', reason: 'isolated', at: 2_000 },
      { from: 'isolated', to: 'closed', reason: 'reset', at: 2_000 },
    ]);
  });

  it('reports success and failure with the call duration on the clock', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock });
    const seen: unknown[] = [];
    breaker.on('success', (e) => seen.push(['success', e]));
    breaker.on('failure', (e) => seen.push(['failure', e]));
    await timedCall(breaker, clock, 25);
    await timedCall(breaker, clock, 40, true);
    expect(seen).toEqual([
      ['success', { durationMs: 25 }],
      ['failure', { error: boom, durationMs: 40 }],
    ]);
  });

  it('reports thresholdExceeded, with the reason and rates, just before a closed breaker opens', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 4, clock });
    const seen: string[] = [];
    breaker.on('thresholdExceeded', (e) => seen.push(`${e.reason} ${e.state} ${e.failureRate} ${breaker.state}`));
    breaker.on('stateChange', (c) => seen.push(`${c.reason} -> ${c.to}`));
    await succeed(breaker, 2);
    await failTimes(breaker, 2);
    expect(seen).toEqual(['failure-rate closed 0.5 closed', 'failure-rate -> open']);
  });

  it('tells slow-call-rate trips from failure-rate trips', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'count', size: 2 }, minimumCalls: 2, slowCallMs: 100, slowCallRateThreshold: 0.5, clock });
    const reasons: string[] = [];
    breaker.on('thresholdExceeded', (e) => reasons.push(e.reason));
    breaker.on('stateChange', (c) => reasons.push(c.reason));
    await timedCall(breaker, clock, 10);
    await timedCall(breaker, clock, 150);
    expect(reasons).toEqual(['slow-call-rate', 'slow-call-rate']);
  });

  it('reports why a call was rejected: trials-running, trial-permit-denied', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 0, clock });
    const reasons: string[] = [];
    breaker.on('rejected', (e) => reasons.push(`${e.reason} ${e.state}`));
    await failTimes(breaker);
    let release!: () => void;
    const trial = breaker.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await settled(breaker.execute(ok));
    release();
    await trial;
    await failTimes(breaker);
    breaker.setTrialPermit({ acquire: () => false, release: () => undefined });
    await settled(breaker.execute(ok));
    expect(reasons).toEqual(['trials-running half-open', 'trial-permit-denied half-open']);
  });

  it('does not report ignored errors as failures', async () => {
    const breaker = circuitBreaker({ isFailure: () => false, clock: new ManualClock() });
    const failures: unknown[] = [];
    breaker.on('failure', (e) => failures.push(e));
    await failTimes(breaker, 3);
    expect(failures).toEqual([]);
  });

  it('reports rejected calls with the state and the time left', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 500, clock });
    const rejected: unknown[] = [];
    breaker.on('rejected', (e) => rejected.push(e));
    await failTimes(breaker);
    await clock.advance(200);
    await settled(breaker.execute(ok));
    expect(rejected).toEqual([{ reason: 'open', state: 'open', retryAfterMs: 300 }]);
  });

  it('stops reporting after unsubscribe, and stops timing calls once nobody listens', async () => {
    let reads = 0;
    const clock = new ManualClock();
    const counting = { now: () => (reads++, clock.now()), sleep: clock.sleep.bind(clock) };
    const breaker = circuitBreaker({ clock: counting });
    let successes = 0;
    const unsubscribe = breaker.on('success', () => successes++);
    await succeed(breaker, 2);
    expect(successes).toBe(2);
    unsubscribe();
    unsubscribe(); // twice is harmless
    reads = 0;
    await succeed(breaker, 2);
    expect(successes).toBe(2);
    expect(reads).toBe(0);
  });
});
