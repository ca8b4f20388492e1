/** resilientExchange's options: the type, the defaults (each with its reason) and validation. */
import { type Clock, systemClock } from '../core/clock.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { type Backoff, backoff } from '../policies/backoff.js';
import type { CircuitBreakerOptions } from '../policies/breaker/index.js';
import type { ExchangeRateBudget } from '../limits/budgets/exchange-rate-budget.js';
import type { FeedWatchdog } from './feeds.js';
import type { ClientOrderIdOptions } from './orders/intent-id.js';
import type { IntentJournal } from './orders/journal.js';
import type { OrderAdmission } from './orders/admission.js';
import type { NeverPlacedRule } from './orders/never-placed.js';
import { checkFunction, checkHttpUrl, checkInteger, checkNonEmptyString, checkNumber, checkObject, checkShape } from '../core/option-checks.js';
import type { FailoverGroupOptions } from '../failover/options.js';
import type { EndpointSpec, FailoverGroup } from '../failover/types.js';
import { withDefaults } from '../core/options.js';

export interface ResilientExchangeOptions {
  /**
   * The account's name: the journal's `exchange` column, breaker names (`<account>:orders`), gate
   * conditions and the `id` this wrapper answers. Give each account its own when one process (or
   * one journal) trades several accounts of the same exchange. Default: the ccxt id.
   */
  account?: string;
  /** Where intents are written before orders leave. Default: an in-memory journal. */
  journal?: IntentJournal;
  /** Source of time for waits, ages and journal timestamps. */
  clock?: Clock;
  /** Randomness for intent ids and backoff jitter; inject a seeded one in tests. */
  random?: () => number;
  /** Tries in all for a read (and a cancel), the first included. */
  maxAttempts?: number;
  /** Waits between read tries. */
  backoff?: Backoff;
  /** Shared cap on retries as a share of requests. Default: 20% of requests plus 10/s (limits' rolling budget). */
  retryBudget?: RetryBudget;
  /** Breaker settings for the whole exchange and for each endpoint group; `false` turns breakers off. */
  breaker?: CircuitBreakerOptions | false;
  /** Lookup rounds (by client order id) before an ambiguous order is left UNKNOWN. */
  lookupAttempts?: number;
  /** Waits between lookup rounds. */
  lookupBackoff?: Backoff;
  /** Sends of one order after the exchange throttled it (429) before giving up. */
  placeAttempts?: number;
  /** Longest Retry-After waited out; a longer one, or any 418, is a ban: calls fail at once until it ends. */
  maxRetryAfterMs?: number;
  /** Pause after a 429 without Retry-After. */
  default429Ms?: number;
  /** Pause after a 418 without Retry-After. */
  default418Ms?: number;
  /** Last-known-good tickers and order books older than this are not served when the exchange fails. */
  maxStaleMs?: number;
  /** Asked before every new order: a trading gate, pre-trade checks (first refusal wins). */
  admission?: OrderAdmission | OrderAdmission[];
  /** How client order ids are derived from intent ids. */
  clientOrderId?: ClientOrderIdOptions;
  /** Weight budgets from the limits layer (e.g. exchangeRateBudget({ table: binanceSpotTable })): every HTTP request is charged and its headers fed back. */
  rateBudget?: ExchangeRateBudget;
  /** Staleness watchdog fed with every fresh ticker (never with a last-known-good fallback). */
  feeds?: FeedWatchdog;
  /** When an unseen order counts as never placed (its window is sent with every order); `null`: no guarantee. Default: `neverPlacedRules[exchange.id]`. */
  neverPlaced?: NeverPlacedRule | null;
  /**
   * The exchange's REST hosts (Binance: api1..api4.binance.com) as a failover group: every request
   * to the exchange's REST origin goes to the base URL of the endpoint the group picks
   * (endpoint-routing.ts). Either endpoint specs (`{ name, target: 'https://api1.binance.com',
   * priority?, weight? }`), from which a group is built with `endpointGroup`, or a `failoverGroup()`
   * of base URLs you built. Exposed as `endpoints`. The group works without `start()` (it catches up
   * on every pick); call `endpoints.start()` for its timers and active health checks, and `stop()`.
   */
  endpoints?: FailoverGroup<string> | ReadonlyArray<EndpointSpec<string>>;
  /** Options of the group built from `endpoints` specs; its name defaults to `<account>:rest`, its clock and random to this wrapper's. */
  endpointGroup?: Partial<Omit<FailoverGroupOptions<string>, 'endpoints'>>;
  /** Tries of one request across endpoints after gateway failures, the first included (an order only when it never left). */
  endpointAttempts?: number;
}

export type ExchangeEndpointsOption = NonNullable<ResilientExchangeOptions['endpoints']>;

export const RESILIENT_EXCHANGE_DEFAULTS = {
  // One account per exchange unless named: the ccxt id, as journals written before the option hold.
  account: undefined as string | undefined,
  // No journal given: in memory, which protects one process's lifetime (use storageJournal to survive restarts).
  journal: undefined as IntentJournal | undefined,
  // Wall-clock time.
  clock: systemClock as Clock,
  // Math.random for ids and jitter outside tests.
  random: Math.random as () => number,
  // Three tries ride out a blip without piling onto an exchange that is really down.
  maxAttempts: 3,
  // 200 ms first: exchanges' blips last longer than a LAN's; capped at 5 s to stay responsive.
  backoff: undefined as Backoff | undefined,
  // Created per exchange over `clock` when not given.
  retryBudget: undefined as RetryBudget | undefined,
  // The exchangeApi preset (5 failures / 3 trial successes / 5 min open), built per exchange and group.
  breaker: {} as CircuitBreakerOptions | false,
  // Five rounds over ~10 s cover Binance's usual visibility delay after a lost reply.
  lookupAttempts: 5,
  // 500 ms doubling to 4 s: give the exchange's order store time to show the order.
  lookupBackoff: undefined as Backoff | undefined,
  // A 429 is a refusal before execution; resending twice (same client order id) after Retry-After is safe.
  placeAttempts: 3,
  // A minute: longer waits belong to a ban, and a ban must not be extended by more requests.
  maxRetryAfterMs: 60_000,
  // Binance's rate windows are per second to per minute; one second is the shortest sane pause.
  default429Ms: 1_000,
  // Binance's first IP ban lasts 2 minutes.
  default418Ms: 120_000,
  // Five minutes: older prices are history, not a fallback (the exchangeApi preset's open time).
  maxStaleMs: 5 * 60_000,
  // Nothing asked unless given: the gate and checks are opt-in.
  admission: [] as OrderAdmission | OrderAdmission[],
  // Prefix "bw", 32 characters: accepted by Binance, OKX and Bybit.
  clientOrderId: {} as ClientOrderIdOptions,
  // No weight budget unless given: the table depends on the venue and the account.
  rateBudget: undefined as ExchangeRateBudget | undefined,
  // No watchdog unless given: which symbols matter is the strategy's call.
  feeds: undefined as FeedWatchdog | undefined,
  // The exchange's own guarantee, from the table keyed by ccxt id (orders/never-placed.ts).
  neverPlaced: undefined as NeverPlacedRule | null | undefined,
  // One host: ccxt's own URL, as before endpoints existed.
  endpoints: undefined as ExchangeEndpointsOption | undefined,
  // The failover group's own defaults (FAILOVER_GROUP_DEFAULTS), not written twice.
  endpointGroup: undefined as Partial<Omit<FailoverGroupOptions<string>, 'endpoints'>> | undefined,
  // One other host after a gateway failure rides out a dead host; more would stack timeouts on one call.
  endpointAttempts: 2,
};

export type ResolvedExchangeOptions = Omit<typeof RESILIENT_EXCHANGE_DEFAULTS, 'backoff' | 'lookupBackoff' | 'admission'> & {
  backoff: Backoff;
  lookupBackoff: Backoff;
  admission: OrderAdmission[];
};

function nonNegative(name: string, value: number): void {
  checkNumber('resilientExchange', name, value, 0);
}

export function resolveExchangeOptions(options: ResilientExchangeOptions): ResolvedExchangeOptions {
  const o = withDefaults(RESILIENT_EXCHANGE_DEFAULTS, options);
  checkInteger('resilientExchange', 'maxAttempts', o.maxAttempts, 1);
  checkInteger('resilientExchange', 'lookupAttempts', o.lookupAttempts, 1);
  checkInteger('resilientExchange', 'placeAttempts', o.placeAttempts, 1);
  nonNegative('maxRetryAfterMs', o.maxRetryAfterMs);
  nonNegative('default429Ms', o.default429Ms);
  nonNegative('default418Ms', o.default418Ms);
  nonNegative('maxStaleMs', o.maxStaleMs);
  checkFunction('resilientExchange', 'random', o.random);
  checkInteger('resilientExchange', 'endpointAttempts', o.endpointAttempts, 1);
  checkEndpoints(o.endpoints, o.endpointGroup);
  if (o.account !== undefined && !(typeof o.account === 'string' && /^[\w.:@+-]{1,64}$/.test(o.account))) {
    throw new TypeError(`resilientExchange: account must be 1-64 letters, digits or . _ : @ + -, got ${JSON.stringify(o.account)}`);
  }
  return {
    ...o,
    backoff: o.backoff ?? backoff.exponential({ initialMs: 200, maxMs: 5_000, random: o.random }),
    lookupBackoff: o.lookupBackoff ?? backoff.exponential({ initialMs: 500, maxMs: 4_000, jitter: 'none' }),
    admission: Array.isArray(o.admission) ? o.admission : [o.admission],
  };
}

/** A failover group given as it is, or endpoint specs whose names are unique and targets http(s) base URLs. */
function checkEndpoints(endpoints: unknown, group: unknown): void {
  if (group !== undefined) {
    if (!Array.isArray(endpoints)) throw new TypeError('resilientExchange: endpointGroup is only used with endpoints given as specs ([{ name, target }])');
    checkObject('resilientExchange', 'endpointGroup', group, '(failoverGroup options)');
  }
  if (endpoints === undefined) return;
  if (!Array.isArray(endpoints)) {
    checkShape('resilientExchange', 'endpoints', endpoints, 'a failover group of base URLs or an array of endpoint specs', ['pick', 'record', 'snapshot']);
    return;
  }
  if (endpoints.length === 0) throw new RangeError('resilientExchange: endpoints must list at least one endpoint ({ name, target })');
  const names = new Set<string>();
  endpoints.forEach((spec: unknown, i) => {
    checkObject('resilientExchange', `endpoints[${i}]`, spec, '({ name, target })');
    const { name, target } = spec as { name?: unknown; target?: unknown };
    checkNonEmptyString('resilientExchange', `endpoints[${i}].name`, name);
    checkHttpUrl('resilientExchange', `endpoints[${i}].target`, target);
    if (names.has(name)) throw new RangeError(`resilientExchange: endpoints[${i}].name "${name}" names two endpoints; each needs its own name`);
    names.add(name);
  });
}
