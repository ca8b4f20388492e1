import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/duration-text.js';

describe('formatDuration', () => {
  it('picks the unit an operator reads at each size, and says none for null or non-finite', () => {
    expect([850.4, 42_000, 450_000, 3 * 3_600_000 + 720_000, 2.1 * 86_400_000].map((ms) => formatDuration(ms))).toEqual(['850 ms', '42 s', '7.5 min', '3.2 h', '2.1 d']);
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(Infinity, '–')).toBe('–');
  });
});
