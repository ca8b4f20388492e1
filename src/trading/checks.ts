/**
 * Pre-trade checks from configuration: max order size, max position size, max notional and max
 * order rate. They run before an intent is journalled; a refusal is a PreTradeRejectedError
 * naming the check, and nothing is sent.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { PreTradeRejectedError } from './errors.js';
import type { OrderAdmission, OrderRequest } from './orders/admission.js';
import { withDefaults } from '../core/options.js';

export interface PreTradeLimits {
  /** Largest amount (base units) of one order. */
  maxOrderAmount?: number;
  /** Largest absolute position (base units) an order may lead to. Needs `positionOf`. */
  maxPosition?: number;
  /** Largest amount * price of one order (quote units). Market orders use `priceOf`. */
  maxNotional?: number;
  /** At most `count` orders per `perMs`, across all symbols. */
  maxOrderRate?: { count: number; perMs: number };
}

export interface PreTradeOptions extends PreTradeLimits {
  /** Limits per symbol, over the global ones. */
  perSymbol?: Record<string, PreTradeLimits>;
  /** Signed position of a symbol (base units). */
  positionOf?: (symbol: string) => number | undefined;
  /** A reference price for orders without one (market orders). */
  priceOf?: (symbol: string) => number | undefined;
  clock?: Clock;
}

export const PRE_TRADE_DEFAULTS = {
  // Every limit is off unless configured: sizes depend on the account, not on the library.
  maxOrderAmount: Infinity,
  maxPosition: Infinity,
  maxNotional: Infinity,
  maxOrderRate: undefined as { count: number; perMs: number } | undefined,
  perSymbol: {} as Record<string, PreTradeLimits>,
  positionOf: undefined as ((symbol: string) => number | undefined) | undefined,
  priceOf: undefined as ((symbol: string) => number | undefined) | undefined,
  // Wall-clock time for the order rate window.
  clock: systemClock as Clock,
};

function checkLimits(where: string, limits: PreTradeLimits): void {
  for (const key of ['maxOrderAmount', 'maxPosition', 'maxNotional'] as const) {
    const value = limits[key];
    if (value !== undefined) checkNumber('preTradeChecks', `${where}${key}`, value, 0, Infinity, true, true);
  }
  const rate = limits.maxOrderRate;
  if (rate !== undefined) {
    checkInteger('preTradeChecks', `${where}maxOrderRate.count`, rate.count, 1);
    checkNumber('preTradeChecks', `${where}maxOrderRate.perMs`, rate.perMs, 0, Infinity, true);
  }
}

export class PreTradeChecks implements OrderAdmission {
  private readonly o: typeof PRE_TRADE_DEFAULTS;
  private sent: number[] = [];

  constructor(options: PreTradeOptions = {}) {
    this.o = withDefaults(PRE_TRADE_DEFAULTS, options);
    checkLimits('', this.o);
    for (const [symbol, limits] of Object.entries(this.o.perSymbol)) checkLimits(`perSymbol["${symbol}"].`, limits);
  }

  private limitsFor(symbol: string): Required<Omit<PreTradeLimits, 'maxOrderRate'>> & Pick<PreTradeLimits, 'maxOrderRate'> {
    return { maxOrderAmount: this.o.maxOrderAmount, maxPosition: this.o.maxPosition, maxNotional: this.o.maxNotional, maxOrderRate: this.o.maxOrderRate, ...this.o.perSymbol[symbol] };
  }

  /** Throws PreTradeRejectedError naming the first check the order fails. */
  admit(order: OrderRequest): void {
    const limits = this.limitsFor(order.symbol);
    if (order.amount > limits.maxOrderAmount) {
      throw new PreTradeRejectedError('maxOrderAmount', `${order.symbol} amount ${order.amount} exceeds ${limits.maxOrderAmount}`);
    }
    if (limits.maxNotional !== Infinity) {
      const price = order.price ?? this.o.priceOf?.(order.symbol);
      if (price === undefined) throw new PreTradeRejectedError('maxNotional', `${order.symbol}: no price to value the order (give priceOf for market orders)`);
      const notional = order.amount * price;
      if (notional > limits.maxNotional) throw new PreTradeRejectedError('maxNotional', `${order.symbol} notional ${notional} exceeds ${limits.maxNotional}`);
    }
    if (limits.maxPosition !== Infinity) {
      const position = this.o.positionOf?.(order.symbol);
      if (position === undefined) throw new PreTradeRejectedError('maxPosition', `${order.symbol}: position unknown (give positionOf)`);
      const after = position + (order.side === 'buy' ? order.amount : -order.amount);
      if (Math.abs(after) > limits.maxPosition && Math.abs(after) > Math.abs(position)) {
        throw new PreTradeRejectedError('maxPosition', `${order.symbol} position would be ${after}, beyond ${limits.maxPosition}`);
      }
    }
    const rate = limits.maxOrderRate;
    if (rate) {
      const now = this.o.clock.now();
      this.sent = this.sent.filter((t) => now - t < rate.perMs);
      if (this.sent.length >= rate.count) throw new PreTradeRejectedError('maxOrderRate', `${this.sent.length} orders in the last ${rate.perMs} ms (limit ${rate.count})`);
    }
  }

  /** Counts a placed order toward the order rate. */
  placed(_order: OrderRequest): void {
    this.sent.push(this.o.clock.now());
  }
}

export function preTradeChecks(options?: PreTradeOptions): PreTradeChecks {
  return new PreTradeChecks(options);
}
