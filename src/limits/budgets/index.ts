/** Exchange weight budgets: tables, the budget itself, and its memory and Redis stores. */
export {
  type RateBudgetTable,
  type RateBudgetDefinition,
  type EndpointRule,
  type TableOverrides,
  type Cost as BudgetCost,
  type StepCost as BudgetStepCost,
  type Params as BudgetParams,
  type Lane as BudgetLane,
  LANES as BUDGET_LANES,
  extendTable,
  validateTable,
} from './table.js';
export { type RateBudgetStore, type ChargeLine, type ChargeOutcome, type FreezeState } from './store.js';
export { memoryRateBudgetStore, MemoryRateBudgetStore, MEMORY_RATE_BUDGET_STORE_DEFAULTS, type MemoryRateBudgetStoreOptions } from './memory-store.js';
export {
  redisRateBudgetStore,
  RedisRateBudgetStore,
  REDIS_RATE_BUDGET_STORE_DEFAULTS,
  type RedisRateBudgetStoreOptions,
  type RateBudgetRedisClient,
} from './redis-store.js';
export { type ResponseHeaders } from './feedback.js';
export {
  exchangeRateBudget,
  ExchangeRateBudget,
  EXCHANGE_RATE_BUDGET_DEFAULTS,
  type ExchangeRateBudgetOptions,
  type ExchangeRateBudgetEvents,
  type ChargeOptions,
  type ChargeReceipt,
  type RateBudgetDecision,
} from './exchange-rate-budget.js';
export { binanceSpotTable } from './tables/binance-spot.js';
export { genericTable } from './tables/generic.js';
