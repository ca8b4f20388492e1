/**
 * The trading gate: 'active' (trade freely), 'reducing' (only orders that reduce exposure pass)
 * or 'halted' (nothing passes). The mode is the most severe of the manual kill switch and the
 * conditions raised by automatic rules: a breaker open on the order path, a failed or unfinished
 * reconciliation or a stale feed on a traded symbol (reducing); a loss past the limit or
 * unknown orders still unresolved (halted). Every change is recorded with its reason and time.
 *
 * Operator actions, each with who and when (`operatorState()` / `restore()` make them durable):
 *  - `kill(reason)`: the kill switch, halted until `resume()`.
 *  - `resume(reason)`: releases the kill switch. It does not override a rule: its result names
 *    every condition that still holds the gate.
 *  - `acknowledge(name, reason)`: a rule-raised condition stops counting toward the mode until the
 *    rule fires again (it clears and is raised anew, turns more severe, or, for unknown-orders, a
 *    new order becomes unknown). It stays listed, marked acknowledged.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import { TradingGateError } from './errors.js';
import { UnresolvedOrders } from './unknown-orders.js';
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
  /** Set when an operator acknowledged it: it no longer counts toward the mode until the rule fires again. */
  acknowledged?: OperatorNote;
  /** False for a condition an operator may not acknowledge (a region without the trading lease): only its rule clears it. */
  acknowledgeable?: false;
}

/** Who did what to the gate, why and when. */
export interface OperatorNote {
  reason: string;
  by: string;
  at: number;
}

/** An operator action, as the 'operator' event tells it. */
export interface GateOperatorAction extends OperatorNote {
  action: 'kill' | 'resume' | 'acknowledge';
  /** The condition acknowledged (action 'acknowledge'). */
  condition?: string;
}

/** The operator's part of the gate, JSON-safe: store it to make the kill switch survive a restart. */
export interface GateOperatorState {
  kill: OperatorNote | null;
  /** Acknowledgements of conditions raised now. */
  acknowledged: Array<OperatorNote & { condition: string }>;
}

/** What a resume did, and what still holds the gate. */
export interface ResumeResult {
  /** True when the kill switch was on and is now released. */
  released: boolean;
  /** The mode after the resume. */
  mode: TradingMode;
  /** Conditions that still hold the gate (not acknowledged), most severe first. */
  holding: GateCondition[];
  /** One sentence for the operator. */
  message: string;
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

export const TRADING_GATE_DEFAULTS = {
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
  /** The mode changed (`from` -> `to`), with the reason and time. */
  stateChange: GateChange;
  /** An operator killed, resumed or acknowledged. */
  operator: GateOperatorAction;
}

/** The condition the unknown-orders rule raises. */
export const UNKNOWN_ORDERS = 'unknown-orders';

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
  private readonly o: typeof TRADING_GATE_DEFAULTS;
  private readonly events = new Emitter<TradingGateEvents>();
  private readonly conds = new Map<string, GateCondition>();
  private readonly changes: GateChange[] = [];
  private killNote: OperatorNote | undefined;
  private current: TradingMode = 'active';
  private currentReason = 'started';
  private currentSince: number;
  private readonly unknown: UnresolvedOrders;

  constructor(options: TradingGateOptions = {}) {
    this.o = withDefaults(TRADING_GATE_DEFAULTS, options);
    checkNumber('tradingGate', 'maxLoss', this.o.maxLoss, 0, Infinity, true, true);
    checkInteger('tradingGate', 'maxUnknownOrders', this.o.maxUnknownOrders, 1);
    checkNumber('tradingGate', 'unknownOrderWindowMs', this.o.unknownOrderWindowMs, 0, Infinity, true, true);
    this.unknown = new UnresolvedOrders(this.o.unknownOrderWindowMs);
    this.currentSince = this.o.clock.now();
  }

  on<K extends keyof TradingGateEvents & string>(name: K, listener: Listener<TradingGateEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  get mode(): TradingMode {
    return this.current;
  }

  /** Why the gate is in its mode, and since when. */
  get status(): { mode: TradingMode; reason: string; since: number; killed: boolean; kill: OperatorNote | null; conditions: GateCondition[] } {
    this.expireUnknown();
    return {
      mode: this.current,
      reason: this.currentReason,
      since: this.currentSince,
      killed: this.killNote !== undefined,
      kill: this.killNote ? { ...this.killNote } : null,
      conditions: this.conditions(),
    };
  }

  conditions(): GateCondition[] {
    return [...this.conds.values()].map((c) => ({ ...c, ...(c.acknowledged ? { acknowledged: { ...c.acknowledged } } : {}) }));
  }

  /** Changes of mode, oldest first. */
  history(): GateChange[] {
    return this.changes.map((c) => ({ ...c }));
  }

  /** The manual kill switch: halted until `resume()`, whatever the rules say. */
  kill(reason: string, by = 'operator'): void {
    const note = { reason: reason || 'kill switch', by, at: this.o.clock.now() };
    this.killNote = note;
    this.events.emit('operator', { action: 'kill', ...note });
    this.evaluate(`kill switch: ${note.reason}`);
  }

  /**
   * Releases the kill switch; the mode falls back to what the conditions say. Rule-raised
   * conditions are not overridden: the result names those still holding the gate (acknowledge
   * one with `acknowledge()` to trade past it).
   */
  resume(reason = 'kill switch released', by = 'operator'): ResumeResult {
    const released = this.killNote !== undefined;
    if (released) {
      this.killNote = undefined;
      this.events.emit('operator', { action: 'resume', reason, by, at: this.o.clock.now() });
      this.evaluate(reason);
    }
    this.expireUnknown();
    const holding = this.holding();
    const held = holding.map((c) => `${c.name} (${c.mode}): ${c.reason}`).join('; ');
    const message = `${released ? 'kill switch released' : 'the kill switch was not on'}; ${
      holding.length === 0 ? `trading is ${this.current}` : `still ${this.current}, held by ${held}; acknowledge a condition to trade past it`
    }`;
    return { released, mode: this.current, holding, message };
  }

  /**
   * An operator takes responsibility for a rule-raised condition: it stops counting toward the
   * mode until the rule fires again. Throws a RangeError naming the raised conditions when `name` is not one.
   */
  acknowledge(name: string, reason: string, by = 'operator'): GateCondition {
    const condition = this.conds.get(name);
    if (!condition) {
      throw new RangeError(`tradingGate.acknowledge: no condition "${name}" is raised (raised: ${[...this.conds.keys()].join(', ') || 'none'})`);
    }
    if (condition.acknowledgeable === false) throw new RangeError(`tradingGate.acknowledge: condition "${name}" cannot be acknowledged: ${condition.reason}`);
    checkNonEmptyString('tradingGate.acknowledge', 'reason', reason, true);
    const note = { reason, by, at: this.o.clock.now() };
    condition.acknowledged = note;
    this.events.emit('operator', { action: 'acknowledge', condition: name, ...note });
    this.evaluate(`${name} acknowledged: ${reason}`);
    return { ...condition, acknowledged: { ...note } };
  }

  /** The operator's state (kill switch, acknowledgements), JSON-safe. */
  operatorState(): GateOperatorState {
    return {
      kill: this.killNote ? { ...this.killNote } : null,
      acknowledged: [...this.conds.values()].flatMap((c) => (c.acknowledged ? [{ condition: c.name, ...c.acknowledged }] : [])),
    };
  }

  /**
   * Restores a stored operator state: the kill switch as it was, and acknowledgements of the
   * conditions raised now (a rule that fires after a restart fires anew and needs a new one).
   */
  restore(state: GateOperatorState): void {
    this.killNote = state.kill ? { ...state.kill } : undefined;
    for (const ack of state.acknowledged) {
      const condition = this.conds.get(ack.condition);
      if (condition && condition.acknowledgeable !== false) condition.acknowledged = { reason: ack.reason, by: ack.by, at: ack.at };
    }
    this.evaluate(this.killNote ? `kill switch: ${this.killNote.reason}` : 'operator state restored');
  }

  /** Conditions that hold the gate now (not acknowledged), most severe first. */
  private holding(): GateCondition[] {
    return this.conditions()
      .filter((c) => !c.acknowledged)
      .sort((a, b) => SEVERITY[b.mode] - SEVERITY[a.mode]);
  }

  /**
   * Raises (or updates) a named condition. A new firing (not raised before, or more severe) drops an
   * acknowledgement. `acknowledgeable: false`: an operator cannot acknowledge it (the region lease's).
   */
  raise(name: string, mode: 'reducing' | 'halted', reason: string, options: { acknowledgeable?: boolean } = {}): void {
    if (mode !== 'reducing' && mode !== 'halted') throw new RangeError(`tradingGate.raise: mode must be 'reducing' or 'halted', got ${String(mode)}`);
    const existing = this.conds.get(name);
    const fixed = options.acknowledgeable === false;
    if (existing && existing.mode === mode && existing.reason === reason && (existing.acknowledgeable === false) === fixed) return;
    const acknowledged = !fixed && existing?.acknowledged && SEVERITY[mode] <= SEVERITY[existing.mode] ? existing.acknowledged : undefined;
    this.conds.set(name, { name, mode, reason, since: existing?.since ?? this.o.clock.now(), ...(acknowledged ? { acknowledged } : {}), ...(fixed ? { acknowledgeable: false as const } : {}) });
    this.evaluate(`${name}: ${reason}`);
  }

  /** Clears a named condition. */
  clear(name: string, reason = `${name} cleared`): void {
    if (this.conds.delete(name)) this.evaluate(reason);
  }

  /**
   * Rule: a breaker that refuses calls (open, half-open, isolated) on the order path moves the gate
   * to reducing; closed, disabled and metrics-only let every call through.
   */
  watchBreaker(breaker: BreakerLike, name = 'orders'): Unsubscribe {
    const key = `breaker:${name}`;
    const apply = (state: string): void => {
      if (state === 'closed' || state === 'disabled' || state === 'metrics-only') this.clear(key, `breaker ${name} ${state}`);
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
    on(name: 'intent', listener: (e: { intentId: string; from: string | undefined; to: string }) => void): Unsubscribe;
  }): Unsubscribe {
    const offs: Unsubscribe[] = [
      rex.on('unresolved', (e) => this.reportUnknownOrder(e.intentId, rex.id)),
      rex.on('intent', (e) => {
        if (e.from === 'UNKNOWN' && e.to !== 'UNKNOWN') this.reportResolved(e.intentId);
      }),
    ];
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

  /**
   * Rule: an order's outcome is unknown. While `maxUnknownOrders` of them that became unknown
   * within `unknownOrderWindowMs` are still unresolved, the gate halts; it clears as they resolve
   * (`reportResolved`) or age out of the window. Without an intent id the report cannot be
   * resolved and only ages out.
   */
  reportUnknownOrder(intentId?: string, source = 'reported'): void {
    if (this.unknown.add(intentId, this.o.clock.now(), source)) this.evaluateUnknown(true);
  }

  /** Rule: an unknown order was resolved (found, or concluded never placed). */
  reportResolved(intentId: string): void {
    if (this.unknown.resolve(intentId)) this.evaluateUnknown(false);
  }

  /**
   * Rule: the complete list of `source`'s unresolved orders (the order follower's view of the
   * journal), with when each became unknown. Orders not listed are resolved; new ones are reported.
   */
  syncUnknownOrders(source: string, unresolved: ReadonlyArray<{ intentId: string; since: number }>): void {
    this.evaluateUnknown(this.unknown.sync(source, unresolved));
  }

  /** How many unresolved unknown orders count now (those that became unknown within the window). */
  unknownOrders(): number {
    return this.unknown.count(this.o.clock.now());
  }

  private evaluateUnknown(fresh: boolean): void {
    const n = this.unknownOrders();
    if (n >= this.o.maxUnknownOrders) {
      // A new unknown order is the rule firing again: an earlier acknowledgement no longer covers it.
      if (fresh) delete this.conds.get(UNKNOWN_ORDERS)?.acknowledged;
      this.raise(UNKNOWN_ORDERS, 'halted', `${n} orders of unknown status within ${this.o.unknownOrderWindowMs} ms still unresolved`);
    } else {
      this.clear(UNKNOWN_ORDERS, `unknown orders resolved: ${n} unresolved within the window`);
    }
  }

  /** Unknown orders age out of the window as time passes: checked whenever the gate is asked. */
  private expireUnknown(): void {
    if (this.conds.has(UNKNOWN_ORDERS) && this.unknownOrders() < this.o.maxUnknownOrders) this.evaluateUnknown(false);
  }

  /** Admission for the order path: throws TradingGateError, or tells the order to go reduce-only. */
  admit(order: OrderRequest): AdmissionResult {
    this.expireUnknown();
    if (this.current === 'halted') throw new TradingGateError('TRADING_HALTED', this.currentReason);
    if (this.current === 'reducing') {
      if (!reducesExposure(order, this.o.positionOf?.(order.symbol))) throw new TradingGateError('TRADING_REDUCING', this.currentReason);
      return { reduceOnly: true };
    }
    return {};
  }

  /** The order path asks again right before the request leaves: a gate that turned meanwhile stops it (same rule as admit). */
  recheck(order: OrderRequest): void {
    this.admit(order);
  }

  private evaluate(reason: string): void {
    let mode: TradingMode = this.killNote !== undefined ? 'halted' : 'active';
    let why = this.killNote !== undefined ? `kill switch: ${this.killNote.reason}` : reason;
    for (const c of this.conds.values()) {
      if (c.acknowledged) continue;
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
    this.events.emit('stateChange', change);
  }
}

export function tradingGate(options?: TradingGateOptions): TradingGate {
  return new TradingGate(options);
}
