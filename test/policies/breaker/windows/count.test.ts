import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/clock.js';
import { circuitBreaker } from '../../../../src/policies/breaker/circuit-breaker.js';
import { CountWindow } from '../../../../src/policies/breaker/windows/count.js';
import { FAILED, SLOW } from '../../../../src/policies/breaker/windows/window.js';
import { boom, seeded } from '../helpers.js';

const lenient = { failureRateThreshold: 1, slowCallRateThreshold: Infinity, minimumCalls: 1 };

describe('count window', () => {
  it('holds at most size calls and keeps running totals', () => {
    const window = new CountWindow(3, lenient);
    window.record(FAILED);
    window.record(SLOW);
    window.record(0);
    window.record(0); // the failure slides out
    expect(window.totals()).toEqual({ calls: 3, failures: 0, slowCalls: 1 });
    window.record(0); // the slow call slides out
    expect(window.totals()).toEqual({ calls: 3, failures: 0, slowCalls: 0 });
  });

  it('after clear() counts only what is recorded next, though stale bytes stay in the ring', () => {
    const window = new CountWindow(3, lenient);
    for (const o of [FAILED, FAILED | SLOW, FAILED, SLOW]) window.record(o);
    window.clear();
    expect(window.totals()).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
    window.record(0);
    expect(window.snapshot().outcomes).toBe('0');
    window.record(0);
    window.record(FAILED);
    window.record(0); // evicts the first post-clear success, not a stale failure
    expect(window.totals()).toEqual({ calls: 3, failures: 1, slowCalls: 0 });
    expect(window.snapshot().outcomes).toBe('010');
  });

  it('judges failures and slow calls by their rates once minimumCalls is reached', () => {
    const window = new CountWindow(10, { failureRateThreshold: 0.5, slowCallRateThreshold: 0.5, minimumCalls: 2 });
    expect(window.record(FAILED)).toBeUndefined(); // 1 call, below minimumCalls
    expect(window.record(0)).toBe('failure-rate');
    const slow = new CountWindow(10, { failureRateThreshold: 0.5, slowCallRateThreshold: 0.5, minimumCalls: 2 });
    slow.record(SLOW);
    expect(slow.record(0)).toBe('slow-call-rate');
  });

  it('snapshots outcomes oldest first and restores them into a window of another size keeping the newest', () => {
    const window = new CountWindow(4, lenient);
    for (const outcome of [FAILED, 0, SLOW, FAILED | SLOW, 0]) window.record(outcome);
    const snapshot = window.snapshot();
    expect(snapshot).toEqual({ kind: 'count', outcomes: '0230' });
    const smaller = new CountWindow(2, lenient);
    smaller.restore(snapshot);
    expect(smaller.totals()).toEqual({ calls: 2, failures: 1, slowCalls: 1 });
    expect(smaller.snapshot().outcomes).toBe('30');
  });

  it('computes the exact failure rate of a 100,000-call window over 300,000 random outcomes', async () => {
    const size = 100_000;
    const total = 300_000;
    const random = seeded(20_260_101);
    const outcomes = new Uint8Array(total);
    for (let i = 0; i < total; i++) outcomes[i] = random() < 0.3 ? 1 : 0;
    const breaker = circuitBreaker({ window: { kind: 'count', size }, failureRateThreshold: 1, clock: new ManualClock() });
    const fail = (): Promise<never> => Promise.reject(boom);
    const succeed = (): Promise<string> => Promise.resolve('ok');
    let checks = 0;
    for (let i = 0; i < total; i++) {
      await breaker.execute(outcomes[i] ? fail : succeed).catch(() => undefined);
      if ((i + 1) % 7_919 === 0 || i + 1 === total) {
        let failures = 0;
        const from = Math.max(0, i + 1 - size);
        for (let k = from; k <= i; k++) failures += outcomes[k] as number;
        const calls = i + 1 - from;
        const metrics = breaker.metrics();
        expect(metrics.calls).toBe(calls);
        expect(metrics.failures).toBe(failures);
        expect(metrics.failureRate).toBe(failures / calls);
        checks++;
      }
    }
    expect(checks).toBe(38);
    expect(breaker.state).toBe('closed');
  });
});
