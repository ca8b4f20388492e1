/** Exchange weight budgets: tables, the budget itself, and its memory and Redis stores. */
export {
  type BudgetTable,
  type BudgetDefinition,
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
export { type BudgetStore, type ChargeLine, type ChargeOutcome, type FreezeState } from './store.js';
export { memoryBudgetStore, MemoryBudgetStore, memoryBudgetStoreDefaults, type MemoryBudgetStoreOptions } from './memory-store.js';
export {
  redisBudgetStore,
  RedisBudgetStore,
  redisBudgetStoreDefaults,
  type RedisBudgetStoreOptions,
  type BudgetRedisClient,
} from './redis-store.js';
export { type ResponseHeaders } from './feedback.js';
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
