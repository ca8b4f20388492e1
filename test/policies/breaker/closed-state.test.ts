import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BrokenCircuitError } from '../../../src/core/errors.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { boom, fail, failTimes, ok, settled, succeed, timedCall } from './helpers.js';

describe('closed state', () => {
  it('starts closed and passes results and errors through unchanged', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(() => 42)).resolves.toBe(42);
    await expect(breaker.execute(fail)).rejects.toBe(boom);
  });

  it('turns a synchronous throw into a rejection and counts it as a failure', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    await expect(
      breaker.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
  });

  it('hands the function a context with attempt 1 and a signal', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    const seen = await breaker.execute((ctx) => ({ attempt: ctx.attempt, aborted: ctx.signal.aborted }));
    expect(seen).toEqual({ attempt: 1, aborted: false });
  });

  it('does not judge the rate before minimumCalls, even when every call fails', async () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 100 }, minimumCalls: 10, clock: new ManualClock() });
    await failTimes(breaker, 9);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('opens when the failure rate reaches the threshold, not below it', async () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 4, failureRateThreshold: 0.5, clock: new ManualClock() });
    await succeed(breaker, 3);
    await failTimes(breaker, 2); // 2 / 5 = 0.4
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().failureRate).toBeCloseTo(0.4);
    await failTimes(breaker, 1); // 3 / 6 = 0.5
    expect(breaker.state).toBe('open');
  });

  it('opens on a success that brings the window to minimumCalls with a high failure rate', async () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 4, clock: new ManualClock() });
    await failTimes(breaker, 3);
    expect(breaker.state).toBe('closed');
    await succeed(breaker); // 3 / 4 = 0.75
    expect(breaker.state).toBe('open');
  });

  it('caps minimumCalls at the count window size, so a small window can still open', async () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 5 }, clock: new ManualClock() }); // minimumCalls 20 by default
    await failTimes(breaker, 5);
    expect(breaker.state).toBe('open');
  });

  it('forgets failures that slide out of the count window', async () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 4, failureRateThreshold: 0.75, clock: new ManualClock() });
    await failTimes(breaker, 2);
    await succeed(breaker, 4); // the two failures slid out
    expect(breaker.metrics()).toMatchObject({ calls: 4, failures: 0 });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('ignores errors that isFailure rejects: neither success nor failure', async () => {
    class NotFound extends Error {}
    const breaker = circuitBreaker({
      window: { kind: 'count', size: 10 },
      minimumCalls: 2,
      isFailure: (error) => !(error instanceof NotFound),
      clock: new ManualClock(),
    });
    for (let i = 0; i < 5; i++) await settled(breaker.execute(() => Promise.reject(new NotFound())));
    expect(breaker.metrics()).toMatchObject({ calls: 0, failures: 0 });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('open');
  });

  it('counts an error as a failure when isFailure itself throws, and still rethrows the call error', async () => {
    const breaker = circuitBreaker({
      window: { kind: 'consecutive', failures: 1 },
      isFailure: () => {
        throw new Error('bad predicate');
      },
      clock: new ManualClock(),
    });
    await expect(breaker.execute(fail)).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
  });

  it('rejects calls once it opens, without calling the function', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, clock: new ManualClock() });
    await failTimes(breaker, 2);
    let called = false;
    const error = await settled(
      breaker.execute(() => {
        called = true;
        return ok();
      }),
    );
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(called).toBe(false);
  });

  describe('slow calls', () => {
    it('opens when the slow-call rate reaches its threshold, even though every call succeeds', async () => {
      const clock = new ManualClock();
      const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 4, slowCallMs: 100, slowCallRateThreshold: 0.5, clock });
      await timedCall(breaker, clock, 10);
      await timedCall(breaker, clock, 10);
      await timedCall(breaker, clock, 100);
      expect(breaker.state).toBe('closed');
      const changes: string[] = [];
      breaker.on('stateChange', (c) => changes.push(c.reason));
      await timedCall(breaker, clock, 250);
      expect(breaker.state).toBe('open');
      expect(changes).toEqual(['slow-call-rate']);
      expect(breaker.metrics()).toMatchObject({ calls: 4, slowCalls: 2, failures: 0, slowCallRate: 0.5 });
    });

    it('counts a call just under slowCallMs as fast and one of exactly slowCallMs as slow', async () => {
      const clock = new ManualClock();
      const breaker = circuitBreaker({ slowCallMs: 100, clock });
      await timedCall(breaker, clock, 99);
      expect(breaker.metrics().slowCalls).toBe(0);
      await timedCall(breaker, clock, 100);
      expect(breaker.metrics().slowCalls).toBe(1);
    });

    it('counts a slow failure as both slow and failed', async () => {
      const clock = new ManualClock();
      const breaker = circuitBreaker({ slowCallMs: 50, clock });
      await timedCall(breaker, clock, 60, true);
      expect(breaker.metrics()).toMatchObject({ calls: 1, failures: 1, slowCalls: 1 });
    });

    it('by default opens on slowness only when every judged call is slow', async () => {
      const clock = new ManualClock();
      const breaker = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 4, slowCallMs: 100, clock });
      await timedCall(breaker, clock, 1);
      for (let i = 0; i < 3; i++) await timedCall(breaker, clock, 200);
      expect(breaker.state).toBe('closed'); // 3 of 4 slow
      await timedCall(breaker, clock, 200); // the fast one slid out: 4 of 4
      expect(breaker.state).toBe('open');
    });

    it('does not measure time when no option or listener needs it', async () => {
      let reads = 0;
      const clock = new ManualClock();
      const counting = { now: () => (reads++, clock.now()), sleep: clock.sleep.bind(clock) };
      const breaker = circuitBreaker({ clock: counting });
      reads = 0;
      await succeed(breaker, 10);
      await failTimes(breaker, 3);
      expect(reads).toBe(0);
    });
  });
});
