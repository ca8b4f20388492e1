import { describe, expect, it } from 'vitest';
import { gradient2 } from '../../../src/limits/adaptive/gradient2.js';

describe('gradient2', () => {
  it('grows by about smoothing * queueSize per sample while latency is steady and the limit is used', () => {
    const limit = gradient2({ initialLimit: 20, smoothing: 0.2, queueSize: 4 });
    // 20 * 0.8 + (20 * 1 + 4) * 0.2 = 20.8
    limit.onSample({ rttMs: 10, inflight: 20, dropped: false });
    expect(limit.limit).toBe(20);
    for (let i = 0; i < 20; i++) limit.onSample({ rttMs: 10, inflight: limit.limit, dropped: false });
    expect(limit.limit).toBe(36); // 20 + 21 * 0.8
  });

  it('holds the limit while the client is app-limited (inflight under half the limit)', () => {
    const limit = gradient2({ initialLimit: 40 });
    for (let i = 0; i < 50; i++) limit.onSample({ rttMs: 10, inflight: 5, dropped: false });
    expect(limit.limit).toBe(40);
  });

  it('shrinks when latency rises well above the long-run average', () => {
    const limit = gradient2({ initialLimit: 100, maxLimit: 100 });
    for (let i = 0; i < 50; i++) limit.onSample({ rttMs: 10, inflight: 100, dropped: false });
    expect(limit.limit).toBe(100);
    const before = limit.limit;
    for (let i = 0; i < 10; i++) limit.onSample({ rttMs: 100, inflight: 100, dropped: false });
    expect(limit.limit).toBeLessThan(before * 0.6);
  });

  it('never cuts more than half per sample (gradient clamped to 0.5) and respects minLimit', () => {
    const limit = gradient2({ initialLimit: 100, minLimit: 10, smoothing: 1, queueSize: 0 });
    for (let i = 0; i < 10; i++) limit.onSample({ rttMs: 10, inflight: 100, dropped: false });
    limit.onSample({ rttMs: 10_000, inflight: 100, dropped: false });
    expect(limit.limit).toBe(50);
    for (let i = 0; i < 20; i++) limit.onSample({ rttMs: 10_000, inflight: 100, dropped: false });
    expect(limit.limit).toBe(10);
  });

  it('recovers after a slow spell: the long average drifts down and the limit grows again', () => {
    const limit = gradient2({ initialLimit: 100, maxLimit: 100 });
    for (let i = 0; i < 100; i++) limit.onSample({ rttMs: 10, inflight: 100, dropped: false });
    for (let i = 0; i < 30; i++) limit.onSample({ rttMs: 200, inflight: 100, dropped: false });
    const afterSlow = limit.limit;
    const longAfterSlow = limit.longRttMs;
    expect(afterSlow).toBeLessThan(100);
    for (let i = 0; i < 100; i++) limit.onSample({ rttMs: 10, inflight: 100, dropped: false });
    expect(limit.longRttMs).toBeLessThan(longAfterSlow);
    expect(limit.limit).toBeGreaterThan(afterSlow + 20);
  });

  it('rejects bad options with the option named', () => {
    expect(() => gradient2({ smoothing: 0 })).toThrow(/smoothing/);
    expect(() => gradient2({ rttTolerance: 0.5 })).toThrow(/rttTolerance/);
    expect(() => gradient2({ maxLimit: 0 })).toThrow(/maxLimit/);
  });
});
