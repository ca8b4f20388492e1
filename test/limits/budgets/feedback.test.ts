import { describe, expect, it } from 'vitest';
import { headerCount, headerValue, parseRetryAfter } from '../../../src/limits/budgets/feedback.js';

describe('response feedback', () => {
  it('reads headers without regard to case, from objects and fetch Headers', () => {
    expect(headerValue({ 'X-MBX-USED-WEIGHT-1M': '12' }, 'x-mbx-used-weight-1m')).toBe('12');
    expect(headerValue({ 'x-mbx-used-weight-1m': ['7', '8'] }, 'X-MBX-USED-WEIGHT-1M')).toBe('7');
    expect(headerValue(new Headers({ 'X-MBX-ORDER-COUNT-10S': '3' }), 'x-mbx-order-count-10s')).toBe('3');
    expect(headerValue({}, 'x')).toBeUndefined();
  });

  it('counts must be whole non-negative numbers', () => {
    expect(headerCount({ a: '42' }, 'a')).toBe(42);
    expect(headerCount({ a: 42 }, 'a')).toBe(42);
    expect(headerCount({ a: '-1' }, 'a')).toBeUndefined();
    expect(headerCount({ a: 'lots' }, 'a')).toBeUndefined();
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter({ 'Retry-After': '30' }, 0)).toBe(30_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:02:00 GMT' }, now)).toBe(120_000);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
