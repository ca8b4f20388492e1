import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { Context } from '../../../src/core/context.js';
import { AbortedError, TimeoutError } from '../../../src/core/errors.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { failTimes, flush, ok, pendingCall, settled } from './helpers.js';

describe('aborts', () => {
  it("does not count the caller's own abort as a failure of the dependency", async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock });
    const controller = new AbortController();
    const call = breaker.execute(
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
      { signal: controller.signal },
    );
    controller.abort();
    const error = await settled(call);
    expect((error as Error).name).toBe('AbortError');
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().calls).toBe(0);
  });

  it('does not count an AbortedError raised because the caller aborted', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock });
    const controller = new AbortController();
    const call = settled(breaker.execute((ctx) => clock.sleep(1_000, ctx.signal), { signal: controller.signal }));
    controller.abort(new Error('user cancelled'));
    expect(await call).toBeInstanceOf(AbortedError);
    expect(breaker.state).toBe('closed');
  });

  it('rejects at once with AbortedError, without calling the function or counting, when the signal is already aborted', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    let called = false;
    const error = await settled(breaker.execute(() => ((called = true), ok()), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(AbortedError);
    expect(called).toBe(false);
    expect(breaker.metrics()).toMatchObject({ calls: 0, notPermitted: 0, state: 'closed' });
  });

  it('counts a failure that happens while a caller signal is attached but not aborted', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    await settled(breaker.execute(() => Promise.reject(new Error('down')), { signal: new AbortController().signal }));
    expect(breaker.state).toBe('open');
  });

  it('counts a TimeoutError as a failure, even when a timeout aborted the signal', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    const { scope, context } = Context.root().child();
    const call = settled(
      breaker.run(
        (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
        context,
      ),
    );
    scope.abort(new TimeoutError(100));
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe('open');
  });

  it('counts a TimeoutError thrown by the call itself', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });
    await settled(breaker.execute(() => Promise.reject(new TimeoutError(50))));
    expect(breaker.state).toBe('open');
  });

  it('frees the half-open trial slot when the caller aborts the trial', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 100, clock });
    await failTimes(breaker);
    await clock.advance(100);
    const controller = new AbortController();
    const trial = pendingCall(breaker, controller.signal);
    controller.abort();
    trial.reject(controller.signal.reason);
    await flush();
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });
});
