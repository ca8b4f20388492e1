import { describe, expect, it } from 'vitest';
import { observeHealth } from '../../src/observe/health-metrics.js';
import { observeThrottles } from '../../src/observe/throttles.js';
import { observeLimitUsage, trackLimiter } from '../../src/observe/limit-usage.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { observeOrders } from '../../src/observe/order-outcomes.js';
import { observeBreaker } from '../../src/observe/bind-policies.js';
import { ManualClock } from '../../src/core/clock.js';
import { Emitter } from '../../src/core/events.js';
import { circuitBreaker, tokenBucket } from '../../src/index.js';

const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix)).sort();

describe('health, limit and throttle metrics', () => {
  it('health check status has one series per check and status, 1 for the current one', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let snapshot = { score: 79, checks: [{ name: 'storage', status: 'up' }, { name: 'trading-gate', status: 'down' }] };
    observeHealth(metrics, () => snapshot);
    let text = await metrics.text();
    expect(text).toContain('bulwark_health_score 79');
    expect(text).toContain('bulwark_health_check_status{check="storage",status="up"} 1');
    expect(text).toContain('bulwark_health_check_status{check="storage",status="down"} 0');
    expect(text).toContain('bulwark_health_check_status{check="trading-gate",status="down"} 1');
    snapshot = { score: 100, checks: [{ name: 'storage', status: 'up' }] };
    text = await metrics.text();
    expect(text).not.toContain('check="trading-gate"');
  });

  it('rate-limit usage and queue length are gauges read at scrape', async () => {
    const clock = new ManualClock(0);
    const metrics = createMetrics({ defaultMetrics: false });
    const limiter = trackLimiter(tokenBucket({ capacity: 10, refillPerSecond: 1, clock }), { name: 'orders', capacity: 4, clock });
    observeLimitUsage(metrics, limiter);
    await limiter.consume('k');
    const text = await metrics.text();
    expect(text).toContain('bulwark_ratelimiter_usage_ratio{name="orders"} 0.25');
    expect(text).toContain('bulwark_ratelimiter_queued_calls{name="orders"} 0');
  });

  it('throttles count by status from 0: 429 and 418', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const source = new Emitter<{ rejected: { reason: 'rate-limited' | 'banned'; error: unknown } }>();
    observeThrottles(metrics, source, 'binance', (error) => (String(error).includes('418') ? 418 : 429));
    expect(lines(await metrics.text(), 'bulwark_exchange_throttled_total{')).toEqual([
      'bulwark_exchange_throttled_total{exchange="binance",status="418"} 0',
      'bulwark_exchange_throttled_total{exchange="binance",status="429"} 0',
    ]);
    source.emit('rejected', { reason: 'banned', error: new Error('HTTP 418') });
    source.emit('rejected', { reason: 'rate-limited', error: new Error('HTTP 429') });
    source.emit('rejected', { reason: 'rate-limited', error: new Error('HTTP 429') });
    expect(lines(await metrics.text(), 'bulwark_exchange_throttled_total{')).toEqual([
      'bulwark_exchange_throttled_total{exchange="binance",status="418"} 1',
      'bulwark_exchange_throttled_total{exchange="binance",status="429"} 2',
    ]);
  });

  it('order outcomes, breaker calls and transitions start at 0 before the first event', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const source = { id: 'binance', on: () => () => undefined, journal: { get: async () => undefined } };
    observeOrders(metrics, source);
    observeBreaker(metrics, circuitBreaker({ name: 'b' }));
    const text = await metrics.text();
    for (const outcome of ['placed', 'rejected', 'unknown', 'reconciled']) expect(text).toContain(`bulwark_orders_total{exchange="binance",outcome="${outcome}"} 0`);
    expect(text).toContain('bulwark_circuitbreaker_calls_total{name="b",kind="failed"} 0');
    expect(text).toContain('bulwark_circuitbreaker_transitions_total{name="b",from="closed",to="open"} 0');
  });
});
