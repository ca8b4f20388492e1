/** What `execute` hands back: the function's own promise, watched by the breaker rather than chained. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { boom, settled } from './helpers.js';

const breaker = () => circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock: new ManualClock() });

describe('the promise execute returns', () => {
  it('is the promise the function returned, closed or timed', () => {
    const p = Promise.resolve('x');
    expect(breaker().execute(() => p)).toBe(p);
    const timed = circuitBreaker({ timeCalls: true, clock: new ManualClock() });
    expect(timed.execute(() => p)).toBe(p);
  });

  it('the breaker has recorded the outcome by the time the caller resumes', async () => {
    const b = breaker();
    expect(await settled(b.execute(() => Promise.reject(boom)))).toBe(boom);
    expect(b.state).toBe('open');
  });

  it('a plain value or a synchronous throw becomes a promise, and is recorded', async () => {
    const b = breaker();
    await expect(b.execute(() => 7)).resolves.toBe(7);
    expect(b.metrics().calls).toBe(1);
    await expect(
      b.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(b.state).toBe('open');
  });

  it('a thenable that is not a native promise is adopted into one, and its rejection recorded', async () => {
    const b = breaker();
    const thenable = { then: (_ok: (v: number) => void, fail: (e: unknown) => void) => fail(boom) };
    const p = b.execute(() => thenable as unknown as Promise<number>);
    expect(p).toBeInstanceOf(Promise);
    expect(await settled(p)).toBe(boom);
    expect(b.state).toBe('open');
  });
});
