/**
 * Every error the toolkit raises extends ResilienceError and carries a stable `code` from the
 * ResilienceErrorCode union. User errors are never wrapped by the policies that let them pass:
 * only an exhausted retry wraps the last error (as `cause`) in a RetryExhaustedError.
 *
 * Recognising an error: `instanceof` works within one copy of the package; `SomeError.is(x)`
 * works across two installed copies too, by the brand `Symbol.for('bulwark.error')` (shared by
 * every copy through the global symbol registry) and the class-name chain of `x`.
 */

/** The brand every toolkit error carries; `Symbol.for` makes it the same symbol in every copy. */
export const ERROR_BRAND: unique symbol = Symbol.for('bulwark.error') as never;

/** The codes the taxonomy gives a categorised error by default (`<CATEGORY>_ERROR`). */
export type CategoryErrorCode =
  | 'NETWORK_ERROR'
  | 'TIMEOUT_ERROR'
  | 'RATE_LIMIT_ERROR'
  | 'VALIDATION_ERROR'
  | 'AUTH_ERROR'
  | 'EXCHANGE_ERROR'
  | 'STORAGE_ERROR'
  | 'INTERNAL_ERROR';

/** The stable codes of the toolkit's own errors: every `code` of ours is one of these. */
export type ResilienceErrorCode =
  // Policies and limits
  | 'CIRCUIT_OPEN'
  | 'CIRCUIT_ISOLATED'
  | 'TIMEOUT'
  | 'BULKHEAD_FULL'
  | 'RATE_LIMITED'
  | 'ABORTED'
  | 'RETRY_EXHAUSTED'
  | 'LIMITER_UNAVAILABLE'
  | 'ILLEGAL_TRANSITION'
  // Trading
  | 'TRADING_HALTED'
  | 'TRADING_REDUCING'
  | 'PRE_TRADE_REJECTED'
  | 'ORDER_STATUS_UNKNOWN'
  | 'INTENT_CLOSED'
  // Failover
  | 'NO_ENDPOINT'
  // Storage, dead letters, fleet, configuration
  | 'VALIDATION'
  | 'STORAGE_CLOSED'
  | 'MIGRATION_CHANGED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NO_PRIMARY'
  | 'DATA_DIR_LOCKED'
  | 'DLQ_FULL'
  | 'STALE_FENCING_TOKEN'
  | 'CONFIG_INVALID'
  // Backup and restore
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_INCOMPLETE'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_FAILED'
  | 'RESTORE_FAILED'
  | 'RESTORE_PROVIDER_MISSING'
  | 'RESTORE_INTERRUPTED'
  | 'BACKUP_UNSIGNED'
  | 'RESTORE_TARGET_UNKNOWN'
  // Stored secrets (security/envelope.ts, security/secret-store.ts)
  | 'SECRET_NOT_FOUND'
  | 'SECRET_KEY_UNKNOWN'
  | 'SECRET_UNREADABLE'
  // Categorised errors (core/taxonomy.ts) and HTTP answers counted as failures (pools)
  | CategoryErrorCode
  | `HTTP_${number}`;

/** The class names of `value`'s prototype chain, most derived first, plus its own `name`. */
export function errorNamesOf(value: object): string[] {
  const names: string[] = [];
  const own = (value as { name?: unknown }).name;
  if (typeof own === 'string') names.push(own);
  for (let proto: object | null = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string' && ctor.name !== '' && !names.includes(ctor.name)) names.push(ctor.name);
  }
  return names;
}

/** Whether `value` is a toolkit error from this copy of the package or any other. */
export function isBranded(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND] === true;
}

export class ResilienceError extends Error {
  declare readonly [ERROR_BRAND]: true;
  readonly code: ResilienceErrorCode;
  constructor(code: ResilienceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * Whether `value` is an instance of this class, from this copy of the package or another one
   * (brand plus class name). `ResilienceError.is(x)` is true for every toolkit error.
   */
  static is<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (value instanceof this) return true;
    if (!isBranded(value)) return false;
    return this.name === 'ResilienceError' || errorNamesOf(value as object).includes(this.name);
  }
}
// On the prototype: one property for every instance, invisible to JSON and Object.keys.
Object.defineProperty(ResilienceError.prototype, ERROR_BRAND, { value: true, enumerable: false });

/**
 * A refusal: the toolkit did not run the call (an open or isolated breaker, a full bulkhead, a
 * rate limit, an unreachable limiter store, a halted or reducing trading gate, a pre-trade check).
 * Nothing reached the dependency, so the call is safe to send again later. Like Polly's
 * `ExecutionRejectedException`.
 */
export class ExecutionRejectedError extends ResilienceError {}

/** The breaker is open (or half-open with all trial slots taken). */
export class BrokenCircuitError extends ExecutionRejectedError {
  declare readonly code: 'CIRCUIT_OPEN';
  /** How long until the breaker lets a trial call through; 0 when unknown or immediate. */
  readonly retryAfterMs: number;
  constructor(message = 'Circuit is open', retryAfterMs = 0) {
    super('CIRCUIT_OPEN', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The breaker was isolated by hand and rejects every call until released. */
export class IsolatedCircuitError extends ExecutionRejectedError {
  declare readonly code: 'CIRCUIT_ISOLATED';
  constructor(message = 'Circuit is isolated') {
    super('CIRCUIT_ISOLATED', message);
  }
}

export class TimeoutError extends ResilienceError {
  declare readonly code: 'TIMEOUT';
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number, message = `Operation timed out after ${timeoutMs} ms`) {
    super('TIMEOUT', message);
    this.timeoutMs = timeoutMs;
  }
}

export class BulkheadFullError extends ExecutionRejectedError {
  declare readonly code: 'BULKHEAD_FULL';
  constructor(message = 'Bulkhead is full') {
    super('BULKHEAD_FULL', message);
  }
}

export class RateLimitedError extends ExecutionRejectedError {
  declare readonly code: 'RATE_LIMITED';
  /** How long until the call would be admitted. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = `Rate limited; retry after ${Math.ceil(retryAfterMs)} ms`) {
    super('RATE_LIMITED', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The caller's signal aborted the operation (or a wait inside it). `cause` is the signal's reason.
 * Its `name` is `'AbortError'`, as `fetch` users check (`error.name === 'AbortError'`).
 */
export class AbortedError extends ResilienceError {
  declare readonly code: 'ABORTED';
  constructor(message = 'Operation aborted', cause?: unknown) {
    super('ABORTED', message, cause === undefined ? undefined : { cause });
    this.name = 'AbortError';
  }
}

/** Why a retry stopped with tries still wanted: out of tries, out of time, or out of retry budget. */
export type RetryExhaustedReason = 'exhausted' | 'elapsed' | 'budget';

/**
 * A retry made its last try and it failed (like failsafe-go's `ExceededError`). `cause` is the
 * last try's error as it was; `attempts` counts the tries made, the first included.
 */
export class RetryExhaustedError extends ResilienceError {
  declare readonly code: 'RETRY_EXHAUSTED';
  declare readonly cause: unknown;
  readonly attempts: number;
  readonly reason: RetryExhaustedReason;
  constructor(attempts: number, reason: RetryExhaustedReason, lastError: unknown) {
    const why = reason === 'exhausted' ? 'no tries left' : reason === 'elapsed' ? 'maxElapsedMs would pass' : 'the retry budget is spent';
    super('RETRY_EXHAUSTED', `Retry gave up after ${attempts} ${attempts === 1 ? 'try' : 'tries'} (${why}): ${messageOf(lastError)}`, { cause: lastError });
    this.attempts = attempts;
    this.reason = reason;
  }
}

export function isResilienceError(error: unknown): error is ResilienceError {
  return ResilienceError.is(error);
}

/** The message of any thrown value: an Error's `message`, anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads a `retryAfterMs` hint from any error (ours, or a user's error that carries one). */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The error to raise when a wait or a call ends because `signal` aborted. When the toolkit
 * itself aborted the signal (a timeout's deadline, a hedge's loser) its reason is already a
 * ResilienceError and is returned as it is; any other reason becomes the cause of an AbortedError
 * (whose `name` is `'AbortError'`).
 */
export function abortedFrom(signal: AbortSignal): ResilienceError {
  const reason: unknown = signal.reason;
  return reason instanceof ResilienceError ? reason : new AbortedError('Operation aborted', reason);
}
