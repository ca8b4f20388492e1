export { type Clock, type CancelTimer, systemClock, ManualClock, setTimerOn } from './clock.js';
export { type ExecContext, Context, AbortScope, type SignalSource } from './context.js';
export {
  ERROR_BRAND,
  ResilienceError,
  type ResilienceErrorCode,
  type CategoryErrorCode,
  ExecutionRejectedError,
  RetryExhaustedError,
  type RetryExhaustedReason,
  errorNamesOf,
  isBranded,
  messageOf,
  BrokenCircuitError,
  IsolatedCircuitError,
  TimeoutError,
  BulkheadFullError,
  RateLimitedError,
  AbortedError,
  isResilienceError,
  retryAfterOf,
  abortedFrom,
} from './errors.js';
export { Emitter, type EventSource, type Listener, type Unsubscribe } from './events.js';
export { DeadlineScheduler, deadlinesOf, type Deadline } from './timers.js';
export { MinHeap } from './heap.js';
export { BasePolicy, type Policy, type Operation, type ExecuteOptions, type SteppingAside, runPolicy, invoke } from './policy.js';
export { type Limiter, type Decision, type AcquireOptions } from './limiter.js';
export { type RetryBudget } from './retry-budget.js';
export { type SettingsChange } from './settings-change.js';
export { REDACTED, isSecretKey, registerSecret, clearRegisteredSecrets, sanitizeText, redactSecrets, maskRegisteredSecrets } from './secrets.js';
export {
  ERROR_CATEGORIES,
  type ErrorCategory,
  RETRYABLE_BY_DEFAULT,
  CategorizedError,
  type CategorizedErrorOptions,
  type Classification,
  classifyError,
  classifyCcxtError,
  hasErrorName,
  isRetryable,
  OWN_ERROR_CLASSIFICATION,
  type ErrorReport,
  toErrorReport,
  ErrorCounter,
  errorCounts,
} from './taxonomy.js';
export { newCorrelationId, withCorrelationId, currentCorrelationId, correlationMixin } from './correlation.js';
export { seededRandom } from './random.js';
export { withDefaults } from './options.js';
export { MissingPeerError } from './peer.js';
