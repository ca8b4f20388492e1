/**
 * The exchange account of a configuration, run by the service itself: `resilientExchange` over the
 * ccxt client (journal in the configured storage, rate budget in Redis when `storage.redisUrl` is
 * set), a trading gate fed by its breakers, and the order follower on its journal. The service
 * places no orders of its own; it watches the account, follows the journal to every order's end,
 * and (with `cancelOpenOrdersOnHalt`) cancels the account's open orders when the gate halts.
 */
import type { BulwarkConfig } from '../config/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { type ExchangeRateBudget, exchangeRateBudget } from '../limits/budgets/exchange-rate-budget.js';
import { redisRateBudgetStore, type RateBudgetRedisClient } from '../limits/budgets/redis-store.js';
import { retryBudget } from '../limits/retry-budget.js';
import { binanceSpotTable } from '../limits/budgets/tables/binance-spot.js';
import type { HealthRegistry } from '../health/registry.js';
import { breakerCheck } from '../health/checks/breaker.js';
import { type DependencyStats, dependencyStats } from '../observe/dependency-tiles.js';
import { journalOrders } from '../observe/journal-orders.js';
import { Metrics, gateStates } from '../observe/metrics.js';
import { observeBreaker } from '../observe/bind-policies.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import { orderIntents } from '../storage/repos/order-intents.js';
import type { AuditLog } from '../security/audit-log.js';
import type { Storage } from '../storage/types.js';
import { type ResilientExchange, resilientExchange } from '../trading/exchange.js';
import { type TradingGate, tradingGate } from '../trading/gate.js';
import { type FollowScope, followOrders, type OrderFollower } from '../trading/order-follower.js';
import { storageJournal } from '../trading/orders/storage-journal.js';
import type { AccountSnapshot, AccountView, OrdersView } from './components.js';
import { endpointSpecsOf, exchangeClient } from './exchange-account.js';
import { auditCancelOnHalt } from './audit-decisions.js';
import type { LiveEvents } from './live-events.js';

export const CONFIGURED_EXCHANGE_DEFAULTS = {
  followIntervalMs: 2_000, // the demo's pace: an order's end is seen within seconds, a few reads per pass
  accountCacheMs: 3_000, // a dashboard polling the account costs the exchange budget one read per 3 s at most
} as const;

export interface ConfiguredExchange {
  exchange: ResilientExchange;
  gate: TradingGate;
  breakers: CircuitBreaker[];
  /** Rolling figures per breaker, for the dashboard's tiles. */
  dependencies: DependencyStats[];
  /** The exchange's shared weight budget (Redis and a known table), whose used-weight headers the tuning advisor reads. */
  rateBudget: ExchangeRateBudget | undefined;
  orders: OrdersView;
  account: AccountView;
  symbols: string[];
  /** The gate condition its reconcile and follower raise and clear (`reconcile`, or `reconcile:<name>` on a shared gate). */
  condition: string;
  /**
   * Starts following the journal (after the start-up reconciliation): every intent of the account,
   * or those `scope` names (a bot's own; see account-duty.ts). Returns the follower (once made, the same).
   */
  follow(scope?: FollowScope): OrderFollower;
  close(): Promise<void>;
}

export interface ConfiguredExchangeDeps {
  storage: Storage;
  metrics: Metrics;
  health: HealthRegistry;
  events: LiveEvents;
  /** Time for the account cache; the system clock by default. */
  clock?: Clock;
  /** The deployment's Redis: the exchange's rate budget lives there, shared with the bots of the same account. */
  redis?: RateBudgetRedisClient;
  /** The account's name (`exchanges[].name`; by default the ccxt id): journal rows, breakers and the gate's conditions carry it. */
  name?: string;
  /** A gate shared by several accounts (the service's); by default the account gets its own, with its health check and metric. */
  gate?: TradingGate;
  /** The audit log: orders cancelled on a halt are recorded there as the service's decision. */
  audit?: AuditLog;
}

/** Budget tables known per ccxt id; another exchange runs without a shared budget (its calls from the service are few). */
const budgetTables = { binance: binanceSpotTable } as const;

export async function configuredExchange(config: BulwarkConfig, deps: ConfiguredExchangeDeps): Promise<ConfiguredExchange> {
  const client = exchangeClient(config);
  const id = deps.name ?? client.id;
  const cleanups: Array<() => unknown> = [];
  const table = budgetTables[client.id as keyof typeof budgetTables];
  // Grouped by exchange, not account: request weight is counted per IP, whatever the account.
  const budget = deps.redis && table ? exchangeRateBudget({ table, group: client.id, store: redisRateBudgetStore(deps.redis, { prefix: `${config.storage.redisPrefix}budget:` }) }) : undefined;
  const ownGate = deps.gate === undefined;
  const gate = deps.gate ?? tradingGate({});
  const journal = storageJournal(orderIntents(deps.storage));
  const endpoints = endpointSpecsOf(config);
  const exchange = resilientExchange(client, {
    ...(deps.name !== undefined ? { account: deps.name } : {}),
    journal,
    admission: gate,
    maxAttempts: config.policies.retry.maxAttempts,
    ...(config.policies.retry.budget ? { retryBudget: retryBudget({ ...config.policies.retry.budget, ...(deps.clock ? { clock: deps.clock } : {}) }) } : {}),
    breaker: {
      openMs: config.policies.breaker.openMs,
      failureRateThreshold: config.policies.breaker.failureRateThreshold,
      minimumCalls: config.policies.breaker.minimumCalls,
      // Unset: the exchangeApi preset's window (5 failures in a row).
      ...(config.policies.breaker.window ? { window: config.policies.breaker.window } : {}),
    },
    ...(budget ? { rateBudget: budget } : {}),
    // The REST hosts as a failover group (exchange.endpoints): its timers run while the account does.
    ...(endpoints ? { endpoints, endpointGroup: config.exchange.endpointStrategy ? { strategy: config.exchange.endpointStrategy } : {} } : {}),
  });
  try {
    await exchange.loadMarkets();
  } catch (error) {
    throw new Error(`exchange (${id}): cannot load its markets: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (exchange.endpoints) {
    const group = exchange.endpoints;
    group.start();
    cleanups.push(() => group.stop());
  }
  const breakers: CircuitBreaker[] = exchange.breakers ? [exchange.breakers.exchange, ...Object.values(exchange.breakers.groups)] : [];
  cleanups.push(gate.watchExchange(exchange));
  for (const breaker of breakers) {
    cleanups.push(observeBreaker(deps.metrics, breaker));
    const named = { name: breaker.name ?? 'breaker', get state() { return breaker.state; } };
    deps.health.register({ ...breakerCheck(named, { critical: breaker === exchange.breakers?.exchange }) });
  }
  const dependencies = breakers.map((breaker) => dependencyStats(breaker, { clock: deps.clock ?? systemClock }));
  cleanups.push(() => dependencies.forEach((d) => d.close()));
  if (ownGate) cleanups.push(observeGate(gate, id, deps));

  const symbols = config.exchange.symbols ?? [];
  if (config.exchange.cancelOpenOrdersOnHalt) {
    // The service cancels on the bots' behalf: an operator's halt holds even when no bot is left to act on it.
    cleanups.push(
      gate.on('stateChange', ({ to }) => {
        if (to !== 'halted') return;
        const audited = (result: { cancelled: number } | { error: string }): void => {
          if (deps.audit) void auditCancelOnHalt(deps.audit, id, result, () => deps.events.record('operator', 'audit log', `an audit entry could not be written (orders cancelled on halt at ${id})`, 'critical'));
        };
        void cancelOpenOrders(exchange, symbols).then(
          (n) => {
            deps.events.record('order', id, `gate halted: ${n} open order(s) cancelled by the service`, 'warning');
            audited({ cancelled: n });
          },
          (error: unknown) => {
            const why = error instanceof Error ? error.message : String(error);
            deps.events.record('order', id, `gate halted: cancelling open orders failed: ${why}`, 'critical');
            audited({ error: why });
          },
        );
      }),
    );
  }

  const clock = deps.clock ?? systemClock;
  let cached: { at: number; value: Promise<AccountSnapshot> } | undefined;
  const account: AccountView = {
    snapshot() {
      const now = clock.now();
      if (!cached || now - cached.at >= CONFIGURED_EXCHANGE_DEFAULTS.accountCacheMs) {
        const value = readAccount(exchange, symbols, now);
        cached = { at: now, value };
        value.catch(() => (cached = undefined));
      }
      return cached.value;
    },
  };

  let follower: OrderFollower | undefined;
  // On a shared gate each account raises and clears only its own reconcile condition.
  const condition = ownGate ? 'reconcile' : `reconcile:${id}`;
  return {
    condition,
    account,
    exchange,
    rateBudget: budget,
    gate,
    breakers,
    dependencies,
    orders: journalOrders(journal),
    symbols,
    follow(scope = {}) {
      follower ??= followOrders(exchange, { gate, symbols, condition, intervalMs: CONFIGURED_EXCHANGE_DEFAULTS.followIntervalMs, ...scope });
      return follower;
    },
    async close() {
      follower?.stop();
      for (const c of cleanups.reverse()) await c();
      // The transitions written behind the last orders land before the storage closes.
      await exchange.flushJournal();
    },
  };
}

/** The gate's health check (`trading-gate`) and its metric (`bulwark_trading_gate_state{gate}`); returns the metric's remover. */
export function observeGate(gate: TradingGate, name: string, deps: Pick<ConfiguredExchangeDeps, 'health' | 'metrics'>): () => void {
  deps.health.register({ name: 'trading-gate', group: 'trading', critical: false, check: () => (gate.mode === 'active' ? true : { status: gate.mode === 'halted' ? 'down' : 'degraded', message: `trading gate ${gate.mode}: ${gate.status.reason}` }) });
  return deps.metrics.onScrape(() => Metrics.setState(deps.metrics.tradingGate, { gate: name }, 'state', gateStates, gate.mode));
}

/** Cancels every open order of `symbols` (every symbol when none are named and the exchange allows it); resolves with how many. */
export async function cancelOpenOrders(exchange: ResilientExchange, symbols: readonly string[]): Promise<number> {
  const open = symbols.length > 0 ? (await Promise.all(symbols.map((s) => exchange.fetchOpenOrders(s)))).flat() : await exchange.fetchOpenOrders();
  const results = await Promise.allSettled(open.map((o) => exchange.cancelOrder(String(o.id), o.symbol)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${open.length} cancels failed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
  return open.length;
}

async function readAccount(exchange: ResilientExchange, symbols: readonly string[], at: number): Promise<AccountSnapshot> {
  const [balance, open] = await Promise.all([
    exchange.fetchBalance(),
    symbols.length > 0 ? Promise.all(symbols.map((s) => exchange.fetchOpenOrders(s))).then((lists) => lists.flat()) : exchange.fetchOpenOrders(),
  ]);
  const balances: AccountSnapshot['balances'] = {};
  const totals = (balance.total ?? {}) as unknown as Record<string, number | undefined>;
  for (const [currency, total] of Object.entries(totals)) {
    if (!total) continue;
    const entry = balance[currency] as { free?: number; used?: number } | undefined;
    balances[currency] = { free: Number(entry?.free ?? 0), used: Number(entry?.used ?? 0), total: Number(total) };
  }
  return {
    exchange: exchange.id,
    at,
    balances,
    openOrders: open.map((o) => ({
      id: String(o.id),
      clientOrderId: o.clientOrderId ?? undefined,
      symbol: String(o.symbol),
      side: String(o.side),
      type: o.type ?? undefined,
      price: o.price ?? undefined,
      amount: Number(o.amount),
      filled: o.filled ?? 0,
      timestamp: o.timestamp ?? undefined,
    })),
  };
}
