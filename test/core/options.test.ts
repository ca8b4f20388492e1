import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/options.js';
import { resilientExchange } from '../../src/trading/index.js';
import { Exchange } from 'ccxt';

describe('withDefaults', () => {
  it('lets given options win and keeps defaults for missing or undefined ones', () => {
    const merged = withDefaults({ a: 1, b: 2, c: 3 }, { a: 10, b: undefined });
    expect(merged).toEqual({ a: 10, b: 2, c: 3 });
  });

  it('keeps null and falsy values that were given on purpose', () => {
    expect(withDefaults({ a: 1 as number | null, b: true, c: 'x' }, { a: null, b: false, c: '' })).toEqual({ a: null, b: false, c: '' });
  });

  it('does not modify the defaults object', () => {
    const defaults = { a: 1 };
    withDefaults(defaults, { a: 2 });
    expect(defaults).toEqual({ a: 1 });
  });

  it('regression: an option passed as undefined no longer erases a default (resilientExchange random)', () => {
    const exchange = new Exchange({});
    expect(() => resilientExchange(exchange, { random: undefined })).not.toThrow();
  });
});
