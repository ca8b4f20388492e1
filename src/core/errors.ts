/**
 * Every error the toolkit raises extends ResilienceError and carries a stable string `code`.
 * User errors are never wrapped: policies rethrow them as they were.
 */

/** The stable codes of the toolkit's own errors. */
export type ResilienceErrorCode =
  | 'CIRCUIT_OPEN'
  | 'CIRCUIT_ISOLATED'
  | 'TIMEOUT'
  | 'BULKHEAD_FULL'
  | 'RATE_LIMITED'
  | 'ABORTED';

export class ResilienceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The breaker is open (or half-open with all trial slots taken). */
export class BrokenCircuitError extends ResilienceError {
  declare readonly code: 'CIRCUIT_OPEN';
  /** How long until the breaker lets a trial call through; 0 when unknown or immediate. */
  readonly retryAfterMs: number;
  constructor(message = 'Circuit is open', retryAfterMs = 0) {
    super('CIRCUIT_OPEN', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The breaker was isolated by hand and rejects every call until released. */
export class IsolatedCircuitError extends ResilienceError {
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

export class BulkheadFullError extends ResilienceError {
  declare readonly code: 'BULKHEAD_FULL';
  constructor(message = 'Bulkhead is full') {
    super('BULKHEAD_FULL', message);
  }
}

export class RateLimitedError extends ResilienceError {
  declare readonly code: 'RATE_LIMITED';
  /** How long until the call would be admitted. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = `Rate limited; retry after ${Math.ceil(retryAfterMs)} ms`) {
    super('RATE_LIMITED', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The caller's signal aborted the operation (or a wait inside it). `cause` is the signal's reason. */
export class AbortedError extends ResilienceError {
  declare readonly code: 'ABORTED';
  constructor(message = 'Operation aborted', cause?: unknown) {
    super('ABORTED', message, cause === undefined ? undefined : { cause });
  }
}

export function isResilienceError(error: unknown): error is ResilienceError {
  return error instanceof ResilienceError;
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
 * ResilienceError and is returned as it is; any other reason becomes the cause of an AbortedError.
 */
export function abortedFrom(signal: AbortSignal): ResilienceError {
  const reason: unknown = signal.reason;
  return reason instanceof ResilienceError ? reason : new AbortedError('Operation aborted', reason);
}
