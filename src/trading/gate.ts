/**
 * The trading gate: 'active' (trade freely), 'reducing' (only orders that reduce exposure pass)
 * or 'halted' (nothing passes). The mode is the most severe of the manual kill switch and the
 * conditions raised by automatic rules: a breaker open on the order path, a failed or unfinished
 * reconciliation or a stale feed on a traded symbol (reducing); a loss past the limit or
 * repeated unknown orders (halted). Every change is recorded with its reason and time.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { TradingGateError } from './errors.js';
import type { AdmissionResult, OrderAdmission, OrderRequest } from './orders/admission.js';
import { withDefaults } from '../core/options.js';

export type TradingMode = 'active' | 'reducing' | 'halted';

export interface GateChange {
  from: TradingMode;
  to: TradingMode;
  reason: string;
  at: number;
}

export interface GateCondition {
  /** Name of the rule that raised it, e.g. 'breaker:binance:orders', 'reconcile', 'stale:BTC/USDT'. */
  name: string;
  mode: 'reducing' | 'halted';
  reason: string;
  since: number;
}

export interface TradingGateOptions {
  clock?: Clock;
  /** Signed position (base units) of a symbol; lets `reducing` tell a reducing order from a new one. */
  positionOf?: (symbol: string) => number | undefined;
  /** Loss (a positive number, in quote units) at or past which trading halts. */
  maxLoss?: number;
  /** Unknown orders within `unknownOrderWindowMs` that halt trading. */
  maxUnknownOrders?: number;
  /** Window over which unknown orders are counted. */
  unknownOrderWindowMs?: number;
  /** Changes kept in `history()`. */
  historySize?: number;
}

export const tradingGateDefaults = {
  // Wall-clock time for the timestamps of changes.
  clock: systemClock as Clock,
  // Unknown positions: in 'reducing' only orders marked reduceOnly pass.
  positionOf: undefined as ((symbol: string) => number | undefined) | undefined,
  // No loss limit unless configured: only the operator knows the account's size.
  maxLoss: Infinity,
  // Three orders in doubt within the window means the order path itself is broken.
  maxUnknownOrders: 3,
  // Ten minutes: long enough to see a pattern, short enough to forget an old blip.
  unknownOrderWindowMs: 10 * 60_000,
  // Enough for an incident's story on the dashboard, bounded in memory.
  historySize: 100,
};

export interface TradingGateEvents {
  change: GateChange;
}

/** What the gate needs of a circuit breaker. */
export interface BreakerLike {
  readonly state: string;
  on(name: 'stateChange', listener: (e: { to: string }) => void): Unsubscribe;
}

const SEVERITY: Record<TradingMode, number> = { active: 0, reducing: 1, halted: 2 };

/** Whether the order only reduces the position it trades against. */
function reducesExposure(order: OrderRequest, position: number | undefined): boolean {
  if (position === undefined) return order.params.reduceOnly === true;
  if (order.side === 'sell') return position > 0 && order.amount <= position + 1e-12;
  return position < 0 && order.amount <= -position + 1e-12;
}

export class TradingGate implements OrderAdmission, EventSource<TradingGateEvents> {
  private readonly o: typeof tradingGateDefaults;
  private readonly events = new Emitter<TradingGateEvents>();
  private readonly conds = new Map<string, GateCondition>();
  private readonly changes: GateChange[] = [];
  private killReason: string | undefined;
  private current: TradingMode = 'active';
  private currentReason = 'started';
  private currentSince: number;
  private unknownAt: number[] = [];

  constructor(options: TradingGateOptions = {}) {
    this.o = withDefaults(tradingGateDefaults, options);
    if (!(this.o.maxLoss > 0)) throw new RangeError(`tradingGate: maxLoss must be > 0, got ${this.o.maxLoss}`);
    if (!(Number.isInteger(this.o.maxUnknownOrders) && this.o.maxUnknownOrders >= 1)) {
      throw new RangeError(`tradingGate: maxUnknownOrders must be an integer >= 1, got ${this.o.maxUnknownOrders}`);
    }
    if (!(this.o.unknownOrderWindowMs > 0)) throw new RangeError(`tradingGate: unknownOrderWindowMs must be > 0, got ${this.o.unknownOrderWindowMs}`);
    this.currentSince = this.o.clock.now();
  }

  on<K extends keyof TradingGateEvents & string>(name: K, listener: Listener<TradingGateEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  get mode(): TradingMode {
    return this.current;
  }

  /** Why the gate is in its mode, and since when. */
  get status(): { mode: TradingMode; reason: string; since: number; killed: boolean; conditions: GateCondition[] } {
    return { mode: this.current, reason: this.currentReason, since: this.currentSince, killed: this.killReason !== undefined, conditions: this.conditions() };
  }

  conditions(): GateCondition[] {
    return [...this.conds.values()].map((c) => ({ ...c }));
  }

  /** Changes of mode, oldest first. */
  history(): GateChange[] {
    return this.changes.map((c) => ({ ...c }));
  }

  /** The manual kill switch: halted until `resume()`, whatever the rules say. */
  kill(reason: string): void {
    this.killReason = reason || 'kill switch';
    this.evaluate(`kill switch: ${this.killReason}`);
  }

  /** Releases the kill switch; the mode falls back to what the conditions say. */
  resume(reason = 'kill switch released'): void {
    if (this.killReason === undefined) return;
    this.killReason = undefined;
    this.evaluate(reason);
  }

  /** Raises (or updates) a named condition. */
  raise(name: string, mode: 'reducing' | 'halted', reason: string): void {
    if (mode !== 'reducing' && mode !== 'halted') throw new RangeError(`tradingGate.raise: mode must be 'reducing' or 'halted', got ${String(mode)}`);
    const existing = this.conds.get(name);
    if (existing && existing.mode === mode && existing.reason === reason) return;
    this.conds.set(name, { name, mode, reason, since: existing?.since ?? this.o.clock.now() });
    this.evaluate(`${name}: ${reason}`);
  }

  /** Clears a named condition. */
  clear(name: string, reason = `${name} cleared`): void {
    if (this.conds.delete(name)) this.evaluate(reason);
  }

  /** Rule: a breaker not closed (open, half-open, isolated) on the order path moves the gate to reducing. */
  watchBreaker(breaker: BreakerLike, name = 'orders'): Unsubscribe {
    const key = `breaker:${name}`;
    const apply = (state: string): void => {
      if (state === 'closed') this.clear(key, `breaker ${name} closed`);
      else this.raise(key, 'reducing', `breaker ${name} is ${state}`);
    };
    apply(breaker.state);
    return breaker.on('stateChange', (e) => apply(e.to));
  }

  /**
   * Wires a resilient exchange's rules: its order-path breakers (whole exchange and 'orders'
   * group) move the gate to reducing; every order left unresolved counts toward `maxUnknownOrders`.
   */
  watchExchange(rex: {
    readonly id: string;
    readonly breakers: { exchange: BreakerLike; groups: { orders: BreakerLike } } | undefined;
    on(name: 'unresolved', listener: (e: { intentId: string }) => void): Unsubscribe;
  }): Unsubscribe {
    const offs: Unsubscribe[] = [rex.on('unresolved', () => this.reportUnknownOrder())];
    if (rex.breakers) {
      offs.push(this.watchBreaker(rex.breakers.exchange, `${rex.id}:all`), this.watchBreaker(rex.breakers.groups.orders, `${rex.id}:orders`));
    }
    return () => offs.forEach((off) => off());
  }

  /** Rule: the loss so far (positive = lost); at or past `maxLoss` the gate halts. */
  reportLoss(loss: number): void {
    if (loss >= this.o.maxLoss) this.raise('loss', 'halted', `loss ${loss} reached the limit ${this.o.maxLoss}`);
    else this.clear('loss', `loss ${loss} back under the limit`);
  }

  /** Rule: an order ended UNKNOWN; `maxUnknownOrders` within the window halt the gate. */
  reportUnknownOrder(): void {
    const now = this.o.clock.now();
    this.unknownAt = [...this.unknownAt.filter((t) => now - t < this.o.unknownOrderWindowMs), now];
    if (this.unknownAt.length >= this.o.maxUnknownOrders) {
      this.raise('unknown-orders', 'halted', `${this.unknownAt.length} orders of unknown status within ${this.o.unknownOrderWindowMs} ms`);
    }
  }

  /** Admission for the order path: throws TradingGateError, or tells the order to go reduce-only. */
  admit(order: OrderRequest): AdmissionResult {
    if (this.current === 'halted') throw new TradingGateError('TRADING_HALTED', this.currentReason);
    if (this.current === 'reducing') {
      if (!reducesExposure(order, this.o.positionOf?.(order.symbol))) throw new TradingGateError('TRADING_REDUCING', this.currentReason);
      return { reduceOnly: true };
    }
    return {};
  }

  private evaluate(reason: string): void {
    let mode: TradingMode = this.killReason !== undefined ? 'halted' : 'active';
    let why = this.killReason !== undefined ? `kill switch: ${this.killReason}` : reason;
    for (const c of this.conds.values()) {
      if (SEVERITY[c.mode] > SEVERITY[mode]) {
        mode = c.mode;
        why = `${c.name}: ${c.reason}`;
      }
    }
    if (mode === this.current) {
      // Same mode, maybe a new reason (a condition updated): the status says why, now.
      if (mode !== 'active') this.currentReason = why;
      return;
    }
    const change: GateChange = { from: this.current, to: mode, reason: mode === 'active' ? reason : why, at: this.o.clock.now() };
    this.current = mode;
    this.currentReason = change.reason;
    this.currentSince = change.at;
    this.changes.push(change);
    if (this.changes.length > this.o.historySize) this.changes.shift();
    this.events.emit('change', change);
  }
}

export function tradingGate(options?: TradingGateOptions): TradingGate {
  return new TradingGate(options);
}
