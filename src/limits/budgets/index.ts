export {
  type BudgetTable,
  type BudgetDefinition,
  type EndpointRule,
  type Cost,
  type StepCost,
  type Params,
  type Lane,
  type TableOverrides,
  LANES,
  extendTable,
  validateTable,
  costsOf,
  evaluateCost,
} from './table.js';
export { type BudgetStore, type ChargeLine, type ChargeOutcome, type FreezeState } from './store.js';
export { memoryBudgetStore, MemoryBudgetStore, type MemoryBudgetStoreOptions } from './memory-store.js';
export { redisBudgetStore, RedisBudgetStore, type RedisBudgetStoreOptions, type BudgetRedisClient } from './redis-store.js';
export { type ResponseHeaders, headerValue, headerCount, retryAfterMs } from './feedback.js';
export {
  exchangeBudget,
  ExchangeBudget,
  exchangeBudgetDefaults,
  type ExchangeBudgetOptions,
  type ExchangeBudgetEvents,
  type ChargeOptions,
  type ChargeReceipt,
  type BudgetDecision,
} from './exchange-budget.js';
export { binanceSpotTable } from './tables/binance-spot.js';
export { genericTable } from './tables/generic.js';
