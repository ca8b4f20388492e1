import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { backoff } from '../../../src/policies/backoff.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import { type CircuitBreakerSnapshot, parseSnapshot } from '../../../src/policies/breaker/snapshot.js';
import { IsolatedCircuitError } from '../../../src/core/errors.js';
import { failTimes, ok, settled, succeed, timedCall } from './helpers.js';

/** Through JSON, as a snapshot saved to disk and read back would be. */
const viaJson = (snapshot: CircuitBreakerSnapshot): CircuitBreakerSnapshot => JSON.parse(JSON.stringify(snapshot)) as CircuitBreakerSnapshot;

describe('snapshot', () => {
  it('is versioned, JSON-safe and round-trips a closed count window', async () => {
    const clock = new ManualClock(1_000);
    const options: CircuitBreakerOptions = { window: { kind: 'count', size: 10 }, minimumCalls: 5, clock };
    const breaker = circuitBreaker(options);
    await succeed(breaker, 2);
    await failTimes(breaker, 2);
    const snapshot = breaker.snapshot();
    expect(snapshot).toMatchObject({ version: 1, state: 'closed', since: 1_000, openUntil: null, opens: 0 });
    expect(viaJson(snapshot)).toEqual(snapshot);
    const restored = circuitBreaker({ ...options, initialState: viaJson(snapshot) });
    expect(restored.snapshot()).toEqual(snapshot);
    expect(restored.metrics()).toMatchObject({ calls: 4, failures: 2 });
    await failTimes(restored, 1); // 3 of 5: the restored window counts toward opening
    expect(restored.state).toBe('open');
  });

  it('restores an open breaker with the same time left', async () => {
    const clock = new ManualClock();
    const options: CircuitBreakerOptions = { window: { kind: 'consecutive', failures: 2 }, openMs: 10_000, clock };
    const breaker = circuitBreaker(options);
    await failTimes(breaker, 2);
    await clock.advance(4_000);
    const restored = circuitBreaker({ ...options, initialState: viaJson(breaker.snapshot()) });
    expect(restored.state).toBe('open');
    const error = await settled(restored.execute(ok));
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 6_000 });
    await clock.advance(6_000);
    expect(restored.state).toBe('half-open');
  });

  it('continues the growth of a Backoff open duration', async () => {
    const clock = new ManualClock();
    const options: CircuitBreakerOptions = {
      window: { kind: 'consecutive', failures: 1 },
      openMs: backoff.exponential({ initialMs: 1_000, factor: 2, jitter: 'none' }),
      clock,
    };
    const breaker = circuitBreaker(options);
    await failTimes(breaker); // open 1 s
    await clock.advance(1_000);
    await failTimes(breaker); // open 2 s
    await clock.advance(2_000);
    const snapshot = viaJson(breaker.snapshot());
    expect(snapshot).toMatchObject({ state: 'half-open', opens: 2 });
    const restored = circuitBreaker({ ...options, initialState: snapshot });
    await failTimes(restored); // third open: 4 s
    expect(restored.metrics().retryAfterMs).toBe(4_000);
  });

  it('restores a half-open breaker with its trial slot free', async () => {
    const clock = new ManualClock();
    const options: CircuitBreakerOptions = { window: { kind: 'consecutive', failures: 1 }, openMs: 100, clock };
    const breaker = circuitBreaker(options);
    await failTimes(breaker);
    await clock.advance(100);
    const restored = circuitBreaker({ ...options, initialState: viaJson(breaker.snapshot()) });
    expect(restored.state).toBe('half-open');
    await succeed(restored);
    expect(restored.state).toBe('closed');
  });

  it('keeps an isolated breaker isolated across a restore, until reset()', async () => {
    const options: CircuitBreakerOptions = { clock: new ManualClock() };
    const breaker = circuitBreaker(options);
    breaker.isolate();
    const restored = circuitBreaker({ ...options, initialState: viaJson(breaker.snapshot()) });
    expect(restored.state).toBe('isolated');
    expect(await settled(restored.execute(ok))).toBeInstanceOf(IsolatedCircuitError);
    restored.isolate().release(); // a new hold released: the restored isolation remains
    expect(restored.state).toBe('isolated');
    restored.reset();
    expect(restored.state).toBe('closed');
  });

  it('round-trips consecutive and time windows', async () => {
    const clock = new ManualClock();
    const consecutive: CircuitBreakerOptions = { window: { kind: 'consecutive', failures: 5 }, clock };
    const a = circuitBreaker(consecutive);
    await succeed(a);
    await failTimes(a, 3);
    const restoredA = circuitBreaker({ ...consecutive, initialState: viaJson(a.snapshot()) });
    expect(restoredA.metrics()).toMatchObject({ calls: 4, failures: 3, consecutiveFailures: 3 });
    await failTimes(restoredA, 2);
    expect(restoredA.state).toBe('open');

    const time: CircuitBreakerOptions = { window: { kind: 'time', ms: 1_000 }, slowCallMs: 50, clock };
    const b = circuitBreaker(time);
    await timedCall(b, clock, 60);
    await failTimes(b, 1);
    const restoredB = circuitBreaker({ ...time, initialState: viaJson(b.snapshot()) });
    expect(restoredB.metrics()).toMatchObject({ calls: 2, failures: 1, slowCalls: 1 });
    expect(restoredB.snapshot()).toEqual(b.snapshot());
  });

  it('keeps the state but drops the calls when the window kind changed', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1, openMs: 5_000, clock });
    await failTimes(breaker);
    const restored = circuitBreaker({ window: { kind: 'consecutive', failures: 3 }, clock, initialState: viaJson(breaker.snapshot()) });
    expect(restored.state).toBe('open');
    expect(restored.metrics().calls).toBe(0);
  });

  it('restores the forced states, still forced, with their window', async () => {
    const clock = new ManualClock();
    for (const state of ['disabled', 'metrics-only'] as const) {
      const options: CircuitBreakerOptions = { window: { kind: 'count', size: 10 }, minimumCalls: 1, clock };
      const breaker = circuitBreaker(options);
      breaker.transitionTo(state);
      await failTimes(breaker, 3);
      const restored = circuitBreaker({ ...options, initialState: viaJson(breaker.snapshot()) });
      expect(restored.metrics()).toMatchObject({ state, calls: 3, failures: 3 });
      await failTimes(restored);
      expect(restored.state).toBe(state);
    }
  });

  it('reads a snapshot written before duration totals existed as zero totals', () => {
    const { timedCalls: _t, totalDurationMs: _d, ...older } = circuitBreaker({ clock: new ManualClock() }).snapshot();
    const restored = circuitBreaker({ clock: new ManualClock(), initialState: older as CircuitBreakerSnapshot });
    expect(restored.metrics()).toMatchObject({ timedCalls: 0, totalDurationMs: 0 });
  });

  it('rejects a malformed snapshot with a TypeError naming the field', () => {
    const good = circuitBreaker({ clock: new ManualClock() }).snapshot();
    const bad = (patch: Record<string, unknown>): unknown => ({ ...good, ...patch });
    expect(() => parseSnapshot(bad({ version: 2 }))).toThrow(/initialState\.version must be 1/);
    expect(() => parseSnapshot(bad({ state: 'broken' }))).toThrow(/initialState\.state/);
    expect(() => parseSnapshot(bad({ state: 'open', openUntil: null }))).toThrow(/initialState\.openUntil/);
    expect(() => parseSnapshot(bad({ since: 'yesterday' }))).toThrow(/initialState\.since must be a finite number/);
    expect(() => parseSnapshot(bad({ window: { kind: 'count', outcomes: '0129' } }))).toThrow(/initialState\.window\.outcomes/);
    expect(() => parseSnapshot(bad({ window: { kind: 'time', ms: 10, epoch: 0, calls: [1, -1], failures: [], slowCalls: [] } }))).toThrow(
      /initialState\.window\.calls\[1\]/,
    );
    expect(() => parseSnapshot(bad({ totalDurationMs: -1 }))).toThrow(/initialState\.totalDurationMs must be a finite number >= 0/);
    expect(() => parseSnapshot(bad({ timedCalls: 1.5 }))).toThrow(/initialState\.timedCalls must be an integer >= 0/);
    expect(() => parseSnapshot(null)).toThrow(TypeError);
    expect(() => circuitBreaker({ initialState: bad({ opens: -1 }) as CircuitBreakerSnapshot })).toThrow(/initialState\.opens/);
  });
});
