/** Manual transitions (`transitionTo`): the legal moves, and a clear error for the others. */
import { describe, expect, it, vi } from 'vitest';
import { ResilienceError } from '../../../src/core/errors.js';
import { classifyError, isRetryable } from '../../../src/core/taxonomy.js';
import { ManualClock } from '../../../src/core/clock.js';
import { backoff } from '../../../src/policies/backoff.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { IllegalTransitionError } from '../../../src/policies/breaker/illegal-transition.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import type { CircuitStateName, StateChange } from '../../../src/policies/breaker/state-machine.js';
import { failTimes, ok, pendingCall, settled, succeed } from './helpers.js';

function breakerIn(state: CircuitStateName, options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, clock, ...options });
  if (state === 'open') breaker.transitionTo('open');
  else if (state === 'half-open') {
    breaker.transitionTo('open');
    breaker.transitionTo('half-open');
  } else if (state === 'isolated') breaker.isolate();
  else if (state !== 'closed') breaker.transitionTo(state);
  expect(breaker.state).toBe(state);
  const changes: StateChange[] = [];
  breaker.on('stateChange', (c) => changes.push(c));
  return { clock, breaker, changes };
}

const all: CircuitStateName[] = ['closed', 'open', 'half-open', 'isolated', 'disabled', 'metrics-only'];
const legal: Record<CircuitStateName, CircuitStateName[]> = {
  closed: ['open', 'disabled', 'metrics-only'],
  open: ['closed', 'half-open', 'disabled', 'metrics-only'],
  'half-open': ['closed', 'open', 'disabled', 'metrics-only'],
  isolated: [],
  disabled: ['closed', 'open', 'metrics-only'],
  'metrics-only': ['closed', 'open', 'disabled'],
};

describe('manual transitions', () => {
  for (const from of all) {
    for (const to of all) {
      if (legal[from].includes(to)) {
        it(`${from} -> ${to} is made, reason manual`, () => {
          const { breaker, changes } = breakerIn(from);
          breaker.transitionTo(to);
          expect(breaker.state).toBe(to);
          expect(changes).toEqual([{ from, to, reason: 'manual', at: 0 }]);
        });
      } else {
        it(`${from} -> ${to} throws IllegalTransitionError and changes nothing`, () => {
          const { breaker, changes } = breakerIn(from);
          let error: unknown;
          try {
            breaker.transitionTo(to);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(IllegalTransitionError);
          expect(error).toMatchObject({ name: 'IllegalTransitionError', code: 'ILLEGAL_TRANSITION', from, to });
          expect((error as Error).message).toContain(`circuitBreaker "binance": cannot go from ${from} to ${to}`);
          expect(breaker.state).toBe(from);
          expect(changes).toEqual([]);
        });
      }
    }
  }

  it('says what to do instead: release the isolation, or use isolate()', () => {
    expect(() => breakerIn('isolated').breaker.transitionTo('closed')).toThrow(/release its isolation handles, or call reset\(\)/);
    expect(() => breakerIn('closed').breaker.transitionTo('isolated')).toThrow(/use isolate\(\)/);
    expect(() => breakerIn('closed').breaker.transitionTo('closed')).toThrow(/it is already closed/);
  });

  it('rejects a name that is no state, naming it', () => {
    expect(() => breakerIn('closed').breaker.transitionTo('shut' as CircuitStateName)).toThrow(/transitionTo\(state\) needs one of closed, open, half-open/);
  });

  it('to open: rejects calls for the next open duration, which grows from half-open', async () => {
    const { clock, breaker } = breakerIn('closed', { openMs: backoff.linear({ initialMs: 100, stepMs: 100 }) });
    breaker.transitionTo('open');
    expect(breaker.metrics().retryAfterMs).toBe(100);
    expect(await settled(breaker.execute(ok))).toMatchObject({ code: 'CIRCUIT_OPEN' });
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    breaker.transitionTo('open');
    expect(breaker.metrics().retryAfterMs).toBe(200);
  });

  it('to half-open: ends the open time early and lets a trial through', async () => {
    const { breaker } = breakerIn('closed');
    await failTimes(breaker);
    breaker.transitionTo('half-open');
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('a trial running when the breaker is moved by hand counts for nothing', async () => {
    const { breaker } = breakerIn('half-open');
    const trial = pendingCall(breaker);
    breaker.transitionTo('disabled');
    trial.reject();
    await trial.call;
    expect(breaker.metrics()).toMatchObject({ state: 'disabled', calls: 0 });
  });
});

describe('IllegalTransitionError is one of the toolkit errors', () => {
  it('extends ResilienceError with code ILLEGAL_TRANSITION, a programming error never retried', () => {
    const error = new IllegalTransitionError('closed', 'isolated', 'binance');
    expect(error).toBeInstanceOf(ResilienceError);
    expect(ResilienceError.is(error)).toBe(true);
    expect(error.code).toBe('ILLEGAL_TRANSITION');
    expect(classifyError(error)).toMatchObject({ category: 'validation', retryable: false, code: 'ILLEGAL_TRANSITION' });
    expect(isRetryable(error)).toBe(false);
  });

  it('is recognised by brand across two installed copies (static is())', async () => {
    vi.resetModules();
    const other = await import('../../../src/policies/breaker/illegal-transition.js');
    const foreign = new other.IllegalTransitionError('open', 'open');
    expect(other.IllegalTransitionError).not.toBe(IllegalTransitionError);
    expect(foreign).not.toBeInstanceOf(IllegalTransitionError);
    expect(IllegalTransitionError.is(foreign)).toBe(true);
    expect(ResilienceError.is(foreign)).toBe(true);
    expect(IllegalTransitionError.is(new Error('cannot go from open to open'))).toBe(false);
  });
});
