/**
 * The simulated exchange's matching engine: markets, a seeded price walk, orders with Binance's
 * lifecycle (NEW, PARTIALLY_FILLED, FILLED, CANCELED) and balances. It knows nothing of HTTP;
 * `server.ts` speaks Binance's REST dialect on top of it.
 */
import { type Clock, systemClock } from '../../core/clock.js';
import { checkNumber } from '../../core/option-checks.js';
import { seededRandom } from '../../core/random.js';
import { withDefaults } from '../../core/options.js';
import { CANDLE_HISTORY_DEFAULTS, type Candle, CandleHistory, type CandleQuery } from './candles.js';
import type { SimState, SimStateStore, SimTick } from './state-store.js';
import { type TapeQuery, type TapeTrade, TradeTape } from './trade-tape.js';

export type SimSide = 'BUY' | 'SELL';
export type SimOrderType = 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';
export type SimOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED';

export interface SimMarketSpec {
  /** Binance market id, e.g. BTCUSDT. */
  symbol: string;
  base: string;
  quote: string;
  /** Starting mid price. */
  price: number;
  tickSize?: number;
  stepSize?: number;
  minQty?: number;
  minNotional?: number;
}

export interface SimMarket extends Required<SimMarketSpec> {
  /** Current mid price (moved by `step()` or set by hand). */
  mid: number;
}

export interface SimFill {
  price: number;
  qty: number;
  tradeId: number;
}

export interface SimOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: SimSide;
  type: SimOrderType;
  timeInForce: string;
  price: number;
  origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: SimOrderStatus;
  time: number;
  updateTime: number;
  /** Queries do not see the order before this time (delayed visibility). */
  visibleAt: number;
  fills: SimFill[];
}

export interface PlaceOrderRequest {
  symbol: string;
  side: SimSide;
  type: SimOrderType;
  quantity: number;
  price?: number;
  timeInForce?: string;
  clientOrderId?: string;
}

/** A Binance-style rejection: HTTP status, Binance error code and message. */
export interface SimRejection {
  status: number;
  code: number;
  msg: string;
}

export type PlaceResult = { ok: true; order: SimOrder } | { ok: false; rejection: SimRejection };

export interface SimEngineOptions {
  /** Markets to list; defaults to BTC/USDT and ETH/USDT. */
  markets?: SimMarketSpec[];
  /** Starting free balances per asset. */
  balances?: Record<string, number>;
  /** Seed of the price walk and of order ids' spread; the same seed replays the same session. */
  seed?: number;
  /** Source of time for order timestamps and delayed visibility. */
  clock?: Clock;
  /** Half of the bid/ask spread as a fraction of the mid price. */
  halfSpread?: number;
  /** Price ticks kept per market for candles (klines); the oldest go first. */
  maxTicks?: number;
  /** Keeps the engine's state across restarts (see state-store.ts): loaded at construction, written on every change. None by default: a simulator starts empty. */
  store?: SimStateStore;
}

export const SIM_ENGINE_DEFAULTS = {
  // Two liquid pairs are enough for the demo and for tests of per-symbol behaviour.
  markets: [
    { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', price: 50_000, tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, minNotional: 5 },
    { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', price: 3_000, tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, minNotional: 5 },
  ] as SimMarketSpec[],
  // Enough to trade a few whole coins, small enough that InsufficientFunds is reachable in tests.
  balances: { USDT: 1_000_000, BTC: 10, ETH: 100 } as Record<string, number>,
  // A fixed seed: two runs of the simulator see the same prices unless told otherwise.
  seed: 42,
  clock: systemClock as Clock,
  // 1 bp each side: a realistic spread for a major pair.
  halfSpread: 0.0001,
  maxTicks: CANDLE_HISTORY_DEFAULTS.maxTicks,
} satisfies Required<Omit<SimEngineOptions, 'store'>>;

const OPEN: ReadonlySet<SimOrderStatus> = new Set(['NEW', 'PARTIALLY_FILLED']);

export function isOpen(order: SimOrder): boolean {
  return OPEN.has(order.status);
}

const reject = (status: number, code: number, msg: string): PlaceResult => ({ ok: false, rejection: { status, code, msg } });

export class SimEngine {
  readonly clock: Clock;
  private readonly random: () => number;
  private readonly halfSpread: number;
  private readonly markets = new Map<string, SimMarket>();
  private readonly orders: SimOrder[] = [];
  private readonly free = new Map<string, number>();
  private readonly history: CandleHistory;
  private readonly tape = new TradeTape();
  private readonly locked = new Map<string, number>();
  private nextOrderId = 1;
  private nextTradeId = 1;
  /** Orders accepted since start (or the last reset), whatever became of them. */
  ordersAccepted = 0;
  /** How long new orders stay invisible to queries; set by the fault controls. */
  visibilityDelayMs = 0;
  private readonly store: SimStateStore | undefined;
  /** Changes not yet written to the store: orders touched and ticks recorded. */
  private readonly dirty = new Set<SimOrder>();
  private readonly newTicks: SimTick[] = [];

  constructor(options: SimEngineOptions = {}) {
    const o = withDefaults(SIM_ENGINE_DEFAULTS, options);
    this.clock = o.clock;
    this.random = seededRandom(o.seed);
    this.halfSpread = o.halfSpread;
    this.history = new CandleHistory(o.maxTicks);
    this.store = options.store;
    const saved = this.store?.load();
    for (const spec of o.markets) {
      if (!(spec.price > 0)) throw new RangeError(`sim: market ${spec.symbol} needs a price > 0, got ${spec.price}`);
      this.markets.set(spec.symbol, {
        tickSize: 0.01,
        stepSize: 0.00001,
        minQty: 0.00001,
        minNotional: 0,
        ...spec,
        mid: spec.price,
      });
      if (!saved) this.tick(spec.symbol, this.clock.now(), spec.price);
    }
    for (const [asset, amount] of Object.entries(o.balances)) this.free.set(asset, amount);
    if (saved) this.restore(saved);
    else this.commit();
  }

  /** The whole state (orders, balances, prices, ids), JSON-safe; ticks are the store's business. */
  snapshot(): SimState {
    return { ...this.books(), orders: this.orders.map((order) => ({ ...order, fills: order.fills.map((f) => ({ ...f })) })) };
  }

  /** Balances, prices and ids: what every write carries besides the orders that changed. */
  private books(): Omit<SimState, 'orders'> {
    return {
      free: Object.fromEntries(this.free),
      locked: Object.fromEntries(this.locked),
      mids: Object.fromEntries([...this.markets.values()].map((m) => [m.symbol, m.mid])),
      nextOrderId: this.nextOrderId,
      nextTradeId: this.nextTradeId,
    };
  }

  /**
   * Puts a saved state back. Orders become visible at once: a restart lasts longer than any
   * visibility delay, and the exchange's order store caught up meanwhile.
   */
  private restore(state: SimState & { ticks?: readonly SimTick[] }): void {
    const now = this.clock.now();
    this.orders.length = 0;
    for (const order of state.orders) this.orders.push({ ...order, visibleAt: Math.min(order.visibleAt, now) });
    this.free.clear();
    this.locked.clear();
    for (const [asset, amount] of Object.entries(state.free)) this.free.set(asset, amount);
    for (const [asset, amount] of Object.entries(state.locked)) this.locked.set(asset, amount);
    for (const [symbol, mid] of Object.entries(state.mids)) {
      const market = this.markets.get(symbol);
      if (market) market.mid = mid;
    }
    for (const t of state.ticks ?? []) this.history.record(t.symbol, t.at, t.price, t.volume);
    this.nextOrderId = Math.max(this.nextOrderId, state.nextOrderId);
    this.nextTradeId = Math.max(this.nextTradeId, state.nextTradeId);
  }

  /** Writes what changed since the last write, in one transaction; called at the end of every public change. */
  private commit(): void {
    if (!this.store) return;
    this.store.save({ ...this.books(), orders: [...this.dirty], ticks: this.newTicks.splice(0) });
    this.dirty.clear();
  }

  private tick(symbol: string, at: number, price: number, volume = 0): void {
    this.history.record(symbol, at, price, volume);
    if (this.store) this.newTicks.push({ symbol, at, price, volume });
  }

  listMarkets(): SimMarket[] {
    return [...this.markets.values()];
  }

  market(symbol: string): SimMarket | undefined {
    return this.markets.get(symbol);
  }

  bidAsk(market: SimMarket): { bid: number; ask: number } {
    const half = market.mid * this.halfSpread;
    return { bid: roundTo(market.mid - half, market.tickSize), ask: roundTo(market.mid + half, market.tickSize) };
  }

  /** Moves every mid price by a seeded random step (at most `maxMove` as a fraction), then fills resting orders that now cross. */
  step(maxMove = 0.001): void {
    for (const market of this.markets.values()) {
      const before = market.mid;
      market.mid = roundTo(market.mid * (1 + (this.random() * 2 - 1) * maxMove), market.tickSize);
      this.tick(market.symbol, this.clock.now(), market.mid);
      this.recordMove(market, before);
    }
    this.matchResting();
    this.commit();
  }

  /** Sets a mid price by hand, then fills resting orders that now cross. */
  setPrice(symbol: string, price: number): void {
    const market = this.markets.get(symbol);
    if (!market) throw new RangeError(`sim: unknown market ${symbol}`);
    checkNumber('sim.setPrice', 'price', price, 0, Infinity, true);
    const before = market.mid;
    market.mid = price;
    this.tick(symbol, this.clock.now(), price);
    this.recordMove(market, before);
    this.matchResting();
    this.commit();
  }

  /** Public trades of a market (Binance's aggregate trades, one trade each), oldest first. */
  trades(symbol: string, query: TapeQuery): TapeTrade[] {
    return this.tape.query(symbol, query);
  }

  /** A price move is the market's own trade of the minimum quantity at the new mid. */
  private recordMove(market: SimMarket, before: number): void {
    this.tape.record(market.symbol, { id: this.nextTradeId++, price: market.mid, qty: market.minQty, time: this.clock.now(), buyerMaker: market.mid < before });
  }

  /** Candles (OHLCV) of `intervalMs` cut from the recorded prices and fills, oldest first. */
  candles(symbol: string, intervalMs: number, query: CandleQuery): Candle[] {
    return this.history.candles(symbol, intervalMs, query);
  }

  balances(): Array<{ asset: string; free: number; locked: number }> {
    const assets = new Set([...this.free.keys(), ...this.locked.keys()]);
    return [...assets].sort().map((asset) => ({ asset, free: this.free.get(asset) ?? 0, locked: this.locked.get(asset) ?? 0 }));
  }

  placeOrder(request: PlaceOrderRequest): PlaceResult {
    const market = this.markets.get(request.symbol);
    if (!market) return reject(400, -1121, 'Invalid symbol.');
    if (!(request.quantity > 0)) return reject(400, -1013, 'Invalid quantity.');
    if (request.quantity < market.minQty) return reject(400, -1013, 'Filter failure: LOT_SIZE');
    if (request.type !== 'MARKET' && !(request.price !== undefined && request.price > 0)) {
      return reject(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    }
    const clientOrderId = request.clientOrderId ?? `sim-${this.nextOrderId}`;
    // Binance refuses a client order id only while the first order carrying it is still open.
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && isOpen(o))) return reject(400, -2010, 'Duplicate order sent.');
    const { bid, ask } = this.bidAsk(market);
    const refPrice = request.type === 'MARKET' ? (request.side === 'BUY' ? ask : bid) : (request.price as number);
    if (refPrice * request.quantity < market.minNotional) return reject(400, -1013, 'Filter failure: NOTIONAL');
    const crosses = request.side === 'BUY' ? refPrice >= ask : refPrice <= bid;
    if (request.type === 'LIMIT_MAKER' && crosses) return reject(400, -2010, 'Order would immediately match and take.');
    // Funds: a buy locks quote at its limit (or the ask), a sell locks the base amount.
    const [lockAsset, lockAmount] = request.side === 'BUY' ? [market.quote, refPrice * request.quantity] : [market.base, request.quantity];
    if ((this.free.get(lockAsset) ?? 0) + 1e-12 < lockAmount) return reject(400, -2010, 'Account has insufficient balance for requested action.');
    this.move(lockAsset, -lockAmount, lockAmount);
    const now = this.clock.now();
    const order: SimOrder = {
      orderId: this.nextOrderId++,
      clientOrderId,
      symbol: market.symbol,
      side: request.side,
      type: request.type,
      timeInForce: request.type === 'MARKET' ? 'GTC' : (request.timeInForce ?? 'GTC'),
      price: request.type === 'MARKET' ? 0 : refPrice,
      origQty: request.quantity,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      visibleAt: now + this.visibilityDelayMs,
      fills: [],
    };
    this.orders.push(order);
    this.ordersAccepted++;
    this.dirty.add(order);
    if (crosses) this.fill(order, order.origQty, request.side === 'BUY' ? ask : bid, true);
    this.commit();
    return { ok: true, order };
  }

  /** Ends every order's visibility delay now (the exchange's order store caught up). */
  revealOrders(): void {
    const now = this.clock.now();
    for (const order of this.orders) {
      if (order.visibleAt > now) {
        order.visibleAt = now;
        this.dirty.add(order);
      }
    }
    this.commit();
  }

  /** Every order, visible or not (what the exchange holds). */
  allOrdersHeld(): readonly SimOrder[] {
    return this.orders;
  }

  /** What queries see: orders of `symbol` (all symbols when omitted) past their visibility delay. */
  visibleOrders(symbol?: string): SimOrder[] {
    const now = this.clock.now();
    return this.orders.filter((o) => (symbol === undefined || o.symbol === symbol) && o.visibleAt <= now);
  }

  /** The visible order with this id or client id; the newest one when a client id was reused. */
  findOrder(symbol: string, ref: { orderId?: number; clientOrderId?: string }): SimOrder | undefined {
    const candidates = this.visibleOrders(symbol).filter((o) =>
      ref.orderId !== undefined ? o.orderId === ref.orderId : o.clientOrderId === ref.clientOrderId,
    );
    return candidates[candidates.length - 1];
  }

  cancelOrder(symbol: string, ref: { orderId?: number; clientOrderId?: string }): { ok: true; order: SimOrder } | { ok: false; rejection: SimRejection } {
    const order = this.findOrder(symbol, ref);
    if (!order || !isOpen(order)) return { ok: false, rejection: { status: 400, code: -2011, msg: 'Unknown order sent.' } };
    order.status = 'CANCELED';
    order.updateTime = this.clock.now();
    this.releaseLock(order);
    this.dirty.add(order);
    this.commit();
    return { ok: true, order };
  }

  /** Cancels every open order of `symbol`, visible or not (the matching engine holds them all); returns them, oldest first. */
  cancelAllOrders(symbol: string): SimOrder[] {
    const open = this.orders.filter((o) => o.symbol === symbol && isOpen(o));
    for (const order of open) {
      order.status = 'CANCELED';
      order.updateTime = this.clock.now();
      this.releaseLock(order);
    }
    return open;
  }

  /** Fills an open order (all of what is left, or `qty`) at its limit price or the touch: the control plane's "the market traded". */
  fillOrder(symbol: string, ref: { orderId?: number; clientOrderId?: string }, qty?: number): SimOrder | undefined {
    const order = this.orders.filter((o) => o.symbol === symbol && (ref.orderId !== undefined ? o.orderId === ref.orderId : o.clientOrderId === ref.clientOrderId)).pop();
    if (!order || !isOpen(order)) return undefined;
    const market = this.markets.get(symbol) as SimMarket;
    const { bid, ask } = this.bidAsk(market);
    const price = order.type === 'MARKET' ? (order.side === 'BUY' ? ask : bid) : order.price;
    this.fill(order, Math.min(qty ?? Infinity, order.origQty - order.executedQty), price);
    this.commit();
    return order;
  }

  private matchResting(): void {
    for (const order of this.orders) {
      if (!isOpen(order)) continue;
      const market = this.markets.get(order.symbol) as SimMarket;
      const { bid, ask } = this.bidAsk(market);
      if (order.side === 'BUY' ? order.price >= ask : order.price <= bid) this.fill(order, order.origQty - order.executedQty, order.price);
    }
  }

  /** `taker`: the order took liquidity (it crossed when placed); else it rested and the market came to it. */
  private fill(order: SimOrder, qty: number, price: number, taker = false): void {
    if (!(qty > 0)) return;
    const market = this.markets.get(order.symbol) as SimMarket;
    const quote = qty * price;
    if (order.side === 'BUY') {
      // The lock was taken at the limit (or the ask); release the share of it this fill used.
      const lockedPerUnit = order.type === 'MARKET' ? price : order.price;
      this.move(market.quote, 0, -qty * lockedPerUnit);
      this.move(market.quote, qty * lockedPerUnit - quote, 0);
      this.move(market.base, qty, 0);
    } else {
      this.move(market.base, 0, -qty);
      this.move(market.quote, quote, 0);
    }
    order.executedQty = round8(order.executedQty + qty);
    order.cummulativeQuoteQty = round8(order.cummulativeQuoteQty + quote);
    const tradeId = this.nextTradeId++;
    order.fills.push({ price, qty, tradeId });
    this.dirty.add(order);
    this.tape.record(order.symbol, { id: tradeId, price, qty, time: this.clock.now(), buyerMaker: (order.side === 'BUY') !== taker });
    this.tick(order.symbol, this.clock.now(), price, qty);
    order.status = order.executedQty >= order.origQty ? 'FILLED' : 'PARTIALLY_FILLED';
    order.updateTime = this.clock.now();
  }

  private releaseLock(order: SimOrder): void {
    const market = this.markets.get(order.symbol) as SimMarket;
    const left = order.origQty - order.executedQty;
    if (order.side === 'BUY') {
      const amount = left * order.price;
      this.move(market.quote, amount, -amount);
    } else {
      this.move(market.base, left, -left);
    }
  }

  private move(asset: string, freeDelta: number, lockedDelta: number): void {
    this.free.set(asset, round8((this.free.get(asset) ?? 0) + freeDelta));
    this.locked.set(asset, round8((this.locked.get(asset) ?? 0) + lockedDelta));
  }
}

function round8(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

function roundTo(value: number, step: number): number {
  return round8(Math.round(value / step) * step);
}
