/**
 * The never-placed rule's inputs: which exchanges have a rule (and how configuration overrides
 * it), and the recvWindow an order was sent with.
 */
import { describe, expect, it } from 'vitest';
import { type NeverPlacedRule, neverPlacedAfter, neverPlacedRuleFor, neverPlacedRules, recvWindowOf } from '../../../src/trading/orders/never-placed.js';

const binance = neverPlacedRules.binance!;
const custom: NeverPlacedRule = { windowParam: 'window', recvWindowMs: 1_000, backendTimeoutMs: 2_000, visibilityMarginMs: 3_000 };

describe('neverPlacedRuleFor', () => {
  it('binance has a rule, an exchange not listed has none', () => {
    expect(neverPlacedRuleFor('binance')).toBe(binance);
    expect(neverPlacedRuleFor('kraken')).toBeUndefined();
  });

  it('an override replaces the rule, null removes it, and an override of another exchange leaves it', () => {
    expect(neverPlacedRuleFor('binance', { binance: null })).toBeUndefined();
    expect(neverPlacedRuleFor('binance', { binance: custom })).toBe(custom);
    expect(neverPlacedRuleFor('kraken', { kraken: custom })).toBe(custom);
    expect(neverPlacedRuleFor('binance', { kraken: custom })).toBe(binance);
  });
});

describe('recvWindowOf', () => {
  it("takes the order's window when it is a positive number, else the rule's", () => {
    expect(recvWindowOf(binance, { recvWindow: 10_000 })).toBe(10_000);
    expect(recvWindowOf(binance, { recvWindow: '7000' })).toBe(7_000);
    expect(recvWindowOf(binance, {})).toBe(binance.recvWindowMs);
    expect(recvWindowOf(binance, { recvWindow: 0 })).toBe(binance.recvWindowMs);
    expect(recvWindowOf(binance, { recvWindow: -1 })).toBe(binance.recvWindowMs);
    expect(recvWindowOf(binance, { recvWindow: Infinity })).toBe(binance.recvWindowMs);
    expect(recvWindowOf(binance, { recvWindow: 'soon' })).toBe(binance.recvWindowMs);
  });

  it("reads the rule's own parameter", () => {
    expect(recvWindowOf(custom, { window: 4_000, recvWindow: 9_000 })).toBe(4_000);
  });
});

describe('neverPlacedAfter', () => {
  it('adds the window sent, the backend timeout, the clock offset either way and the visibility margin', () => {
    expect(neverPlacedAfter(custom, 100, { window: 4_000 }, -50)).toBe(100 + 4_000 + 2_000 + 50 + 3_000);
    expect(neverPlacedAfter(custom, 100, {}, 50)).toBe(100 + 1_000 + 2_000 + 50 + 3_000);
  });
});
