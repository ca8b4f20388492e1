import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { IsolatedCircuitError } from '../../../src/core/errors.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { failTimes, ok, pendingCall, settled, flush } from './helpers.js';

describe('isolated state', () => {
  it('rejects every call with IsolatedCircuitError (CIRCUIT_ISOLATED) without calling the function', async () => {
    const breaker = circuitBreaker({ name: 'kraken', clock: new ManualClock() });
    breaker.isolate();
    expect(breaker.state).toBe('isolated');
    let called = false;
    const error = await settled(breaker.execute(() => ((called = true), ok())));
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect(error).toMatchObject({ code: 'CIRCUIT_ISOLATED' });
    expect((error as Error).message).toContain('"kraken"');
    expect(called).toBe(false);
    expect(breaker.metrics().notPermitted).toBe(1);
  });

  it('stays isolated while any isolation is held, and closes when the last is released', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    const first = breaker.isolate();
    const second = breaker.isolate();
    first.release();
    expect(breaker.state).toBe('isolated');
    first.release(); // releasing twice does not release the other hold
    expect(breaker.state).toBe('isolated');
    second.release();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('isolates an open breaker and, once released, closes it with a fresh window', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 2, clock });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('open');
    const hold = breaker.isolate();
    await clock.advance(60_000); // an isolated breaker does not turn half-open
    expect(breaker.state).toBe('isolated');
    hold.release();
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ calls: 0, failures: 0 });
  });

  it('ignores the outcome of a call that was running when the breaker was isolated', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    const running = pendingCall(breaker);
    const hold = breaker.isolate();
    running.reject();
    await flush();
    hold.release();
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().calls).toBe(0);
  });

  it('reset() releases every isolation; handles from before the reset then do nothing', () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    const old = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    const current = breaker.isolate();
    old.release();
    expect(breaker.state).toBe('isolated');
    current.release();
    expect(breaker.state).toBe('closed');
  });

  it('reports the isolation and the release as state changes', () => {
    const clock = new ManualClock(100);
    const breaker = circuitBreaker({ clock });
    const changes: unknown[] = [];
    breaker.on('stateChange', (c) => changes.push(c));
    const hold = breaker.isolate();
    breaker.isolate(); // already isolated: no second change
    hold.release();
    expect(changes).toEqual([{ from: 'closed', to: 'isolated', reason: 'isolated', at: 100 }]);
  });

  it('emits rejected with the isolated state', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    const rejected: unknown[] = [];
    breaker.on('rejected', (e) => rejected.push(e));
    breaker.isolate();
    await settled(breaker.execute(ok));
    expect(rejected).toEqual([{ reason: 'isolated', state: 'isolated', retryAfterMs: 0 }]);
  });
});
