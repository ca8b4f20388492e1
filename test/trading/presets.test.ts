import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { presetBreaker, presetBreakerOptions, servicePresets } from '../../src/trading/presets.js';

describe('service presets', () => {
  it('hold the seeds defaults: failures / successes / open time', () => {
    const summary = Object.fromEntries(Object.entries(servicePresets).map(([k, p]) => [k, [p.failures, p.successes, p.openMs / 60_000]]));
    expect(summary).toEqual({ exchangeApi: [5, 3, 5], database: [3, 2, 1], marketData: [8, 4, 2], decisionService: [10, 5, 3] });
    expect(servicePresets.decisionService.degrade).toMatch(/HOLD/);
  });

  it('become breaker options, and overrides win', () => {
    expect(presetBreakerOptions('database')).toMatchObject({ window: { kind: 'consecutive', failures: 3 }, halfOpenCalls: 2, openMs: 60_000 });
    expect(presetBreakerOptions('database', { openMs: 5_000 }).openMs).toBe(5_000);
    expect(() => presetBreakerOptions('nope' as 'database')).toThrow(/unknown preset "nope"/);
  });

  it('a marketData breaker opens after 8 failures in a row, stays open 2 minutes, needs 4 successes', async () => {
    const clock = new ManualClock();
    const breaker = presetBreaker('marketData', { clock });
    const fail = (): Promise<never> => Promise.reject(new Error('feed down'));
    for (let i = 0; i < 7; i++) await expect(breaker.execute(fail)).rejects.toThrow('feed down');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(fail)).rejects.toThrow('feed down');
    expect(breaker.state).toBe('open');
    await clock.advance(119_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    for (let i = 0; i < 3; i++) await breaker.execute(() => 'ok');
    expect(breaker.state).not.toBe('closed');
    await breaker.execute(() => 'ok');
    expect(breaker.state).toBe('closed');
  });
});
