/**
 * `bulwark/trading`: a ccxt exchange with trading safety, the order intent journal and
 * reconciliation, the trading gate, pre-trade checks, feed staleness, service presets and the
 * simulated exchange. Importing it starts nothing: the simulator listens only when started.
 */
export { resilientExchange, ResilientExchange, type ResilientExchangeEvents, type Freshness, type EndpointGroup, type ExchangeRejected, type ExchangeRejectReason } from './exchange.js';
export { type ResilientExchangeOptions, type ExchangeEndpointsOption, RESILIENT_EXCHANGE_DEFAULTS } from './exchange-options.js';
export { type ExchangeSettings, type ExchangeSettingsChange } from './exchange-settings.js';
export { endpointOutcome, neverSent } from './endpoint-outcome.js';
export {
  classifyOrderFailure,
  isRecoverable,
  isThrottled,
  isDuplicateOrderError,
  isOrderNotFound,
  venueErrorCode,
  venueErrorCodes,
  httpStatusOf,
  type OrderFailureKind,
  OrderStatusUnknownError,
  IntentClosedError,
  TradingGateError,
  PreTradeRejectedError,
} from './errors.js';
export { attachRateBudget, endpointOf } from './budget-hook.js';
export { ExchangeBanGuard, type BanGuardState, type BanGuardOptions, ExchangeThrottle, type ThrottleState } from './ban-guard.js';
export { intentStates, type IntentState, terminalStates, unresolvedStates, liveStates, canTransition, assertTransition, stateOfOrder } from './orders/state.js';
export { clientOrderIdFor, CLIENT_ORDER_ID_DEFAULTS, newIntentId, type ClientOrderIdOptions } from './orders/intent-id.js';
export { type IntentJournal, type IntentRecord, type NewIntent, type IntentUpdate } from './orders/journal.js';
export { memoryJournal, MEMORY_JOURNAL_DEFAULTS, type MemoryJournalOptions } from './orders/memory-journal.js';
export { storageJournal, STORAGE_JOURNAL_DEFAULTS, type StorageJournalOptions } from './orders/storage-journal.js';
export { type IntentEvent, type NotPlacedCause } from './orders/placement.js';
export { type OrderAdmission, type OrderRequest, type AdmissionResult } from './orders/admission.js';
export { reconcile, RECONCILE_DEFAULTS, type ReconcileOptions, type ReconcileReport } from './reconcile.js';
export { followOrders, OrderFollower, ORDER_FOLLOWER_DEFAULTS, type OrderFollowerOptions, type FollowScope, type OrderFollowerEvents, type FollowReport } from './order-follower.js';
export { neverPlacedRules, neverPlacedRuleFor, neverPlacedAfter, recvWindowOf, type NeverPlacedRule } from './orders/never-placed.js';
export {
  tradingGate,
  TradingGate,
  TRADING_GATE_DEFAULTS,
  UNKNOWN_ORDERS,
  type TradingMode,
  type GateChange,
  type GateCondition,
  type TradingGateOptions,
  type OperatorNote,
  type GateOperatorAction,
  type GateOperatorState,
  type ResumeResult,
} from './gate.js';
export { preTradeChecks, PreTradeChecks, PRE_TRADE_DEFAULTS, type PreTradeOptions, type PreTradeLimits } from './checks.js';
export { feedWatchdog, FeedWatchdog, FEED_WATCHDOG_DEFAULTS, type FeedWatchdogOptions, type FeedValue, type FeedEvents } from './feeds.js';
export { servicePresets, presetBreakerOptions, presetBreaker, type ServicePreset, type ServicePresetName } from './presets.js';
export * from './sim/index.js';
