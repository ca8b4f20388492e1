import { describe, expect, it } from 'vitest';
import { aimd } from '../../../src/limits/adaptive/aimd.js';

describe('aimd', () => {
  it('adds one per success while at least half the limit is in use', () => {
    const limit = aimd({ initialLimit: 10 });
    expect(limit.onSample({ rttMs: 10, inflight: 5, dropped: false })).toBe(11);
    expect(limit.onSample({ rttMs: 10, inflight: 6, dropped: false })).toBe(12);
  });

  it('does not grow while the client uses less than half of it', () => {
    const limit = aimd({ initialLimit: 10 });
    expect(limit.onSample({ rttMs: 10, inflight: 4, dropped: false })).toBe(10);
  });

  it('multiplies by backoffRatio on a drop, and on a call slower than timeoutMs', () => {
    const limit = aimd({ initialLimit: 100, backoffRatio: 0.5, timeoutMs: 1000 });
    expect(limit.onSample({ rttMs: 10, inflight: 100, dropped: true })).toBe(50);
    expect(limit.onSample({ rttMs: 1001, inflight: 50, dropped: false })).toBe(25);
  });

  it('stays within minLimit and maxLimit', () => {
    const limit = aimd({ initialLimit: 3, minLimit: 2, maxLimit: 4, backoffRatio: 0.5 });
    for (let i = 0; i < 5; i++) limit.onSample({ rttMs: 1, inflight: 10, dropped: false });
    expect(limit.limit).toBe(4);
    for (let i = 0; i < 5; i++) limit.onSample({ rttMs: 1, inflight: 10, dropped: true });
    expect(limit.limit).toBe(2);
  });

  it('saws between growth and cuts under periodic drops (the AIMD shape)', () => {
    const limit = aimd({ initialLimit: 20, backoffRatio: 0.9 });
    const seen: number[] = [];
    for (let i = 1; i <= 40; i++) seen.push(limit.onSample({ rttMs: 5, inflight: limit.limit, dropped: i % 10 === 0 }));
    // nine additive steps, then one multiplicative cut, repeated
    expect(seen.slice(0, 10)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 26]);
    // it settles where nine steps up equal one 10% cut: a limit near 90, not unbounded growth
    for (let i = 41; i <= 1000; i++) seen.push(limit.onSample({ rttMs: 5, inflight: limit.limit, dropped: i % 10 === 0 }));
    const late = seen.slice(500);
    expect(Math.max(...late)).toBeLessThanOrEqual(100);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(70);
  });

  it('rejects bad options with the option named', () => {
    expect(() => aimd({ backoffRatio: 1 })).toThrow(/backoffRatio/);
    expect(() => aimd({ minLimit: 0 })).toThrow(/minLimit/);
    expect(() => aimd({ initialLimit: 500 })).toThrow(/initialLimit/);
    expect(() => aimd({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
