/**
 * The error taxonomy: every failure gets a category and a retryable flag, whether the toolkit
 * raised it, a library did (Node, ccxt, pg, ioredis, undici, zod) or the user's own code did.
 */
import { checkOneOf } from './option-checks.js';
import { currentCorrelationId } from './correlation.js';
import { type CategoryErrorCode, ResilienceError, type ResilienceErrorCode, errorNamesOf, isBranded } from './errors.js';
import { sanitizeText } from './secrets.js';

export const ERROR_CATEGORIES = ['network', 'timeout', 'rate-limit', 'validation', 'auth', 'exchange', 'storage', 'internal'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Whether an error of a category is worth retrying when nothing more specific is known. */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorCategory, boolean>> = {
  network: true, // connections drop and come back
  timeout: true, // the next try may be faster
  'rate-limit': true, // after the advertised wait
  validation: false, // the same input fails the same way
  auth: false, // credentials do not fix themselves
  exchange: false, // the exchange refused this request for good (funds, order rules)
  storage: true, // failover or reconnect usually heals it
  internal: false, // a bug: retrying repeats it
};

export interface CategorizedErrorOptions {
  category: ErrorCategory;
  message: string;
  /** Stable code; default `<CATEGORY>_ERROR`, e.g. `RATE_LIMIT_ERROR`. */
  code?: ResilienceErrorCode;
  /** Default: RETRYABLE_BY_DEFAULT[category]. */
  retryable?: boolean;
  cause?: unknown;
  /** Extra JSON-safe facts; secrets in them are redacted when reported. */
  details?: Record<string, unknown>;
}

/** An error that states its category and whether to retry; picks up the current correlation id. */
export class CategorizedError extends ResilienceError {
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  readonly correlationId: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: CategorizedErrorOptions) {
    checkOneOf('CategorizedError', 'category', options.category, ERROR_CATEGORIES);
    super(options.code ?? categoryCode(options.category), options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.category = options.category;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[options.category];
    this.correlationId = currentCorrelationId();
    this.details = options.details;
  }
}

export interface Classification {
  category: ErrorCategory;
  retryable: boolean;
  /** The error's own code when it has one (`ECONNRESET`, `TIMEOUT`, `23505`), else the category's. */
  code: string;
}

/**
 * The one answer for the toolkit's own errors: their category and whether another try may help.
 * `retry`'s default (`isRetryable`) asks this table, so the two never disagree.
 *
 * Refusals (ExecutionRejectedError) are not retried, with one exception: a rate limit names the
 * wait (`retryAfterMs`) after which the call is admitted, and retry waits it. An open or isolated
 * breaker decides itself when the next trial goes through, and a full bulkhead sheds load on
 * purpose: a backoff retry against either only adds load, so an outer retry stops at once.
 * Codes not listed here are `internal` and not retryable.
 */
export const OWN_ERROR_CLASSIFICATION: Readonly<Partial<Record<ResilienceErrorCode, readonly [ErrorCategory, boolean]>>> = {
  TIMEOUT: ['timeout', true],
  RATE_LIMITED: ['rate-limit', true],
  LIMITER_UNAVAILABLE: ['storage', true],
  CIRCUIT_OPEN: ['network', false],
  CIRCUIT_ISOLATED: ['network', false],
  BULKHEAD_FULL: ['network', false],
  ABORTED: ['timeout', false],
  TRADING_HALTED: ['validation', false],
  TRADING_REDUCING: ['validation', false],
  PRE_TRADE_REJECTED: ['validation', false],
  INTENT_CLOSED: ['validation', false],
  NO_ENDPOINT: ['network', false],
  ORDER_STATUS_UNKNOWN: ['exchange', false],
  VALIDATION: ['validation', false],
  ILLEGAL_TRANSITION: ['validation', false],
  CONFIG_INVALID: ['validation', false],
  NOT_FOUND: ['validation', false],
  CONFLICT: ['storage', false],
  STORAGE_CLOSED: ['storage', false],
  SECRET_NOT_FOUND: ['validation', false],
  SECRET_KEY_UNKNOWN: ['auth', false],
  SECRET_UNREADABLE: ['auth', false],
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TIMEOUT']);

/**
 * ccxt's error classes by NAME, most specific first (a subclass is checked before its base).
 * Names, not `instanceof`: a user's project may hold a second copy of ccxt whose classes are
 * other objects with the same names, and its errors must be understood the same way.
 * ccxt's `OperationFailed` family may recover; its `ExchangeError` family is permanent.
 */
const CCXT_NAMES: ReadonlyArray<readonly [string, ErrorCategory, boolean]> = [
  ['AuthenticationError', 'auth', false],
  ['PermissionDenied', 'auth', false],
  ['AccountSuspended', 'auth', false],
  ['DDoSProtection', 'rate-limit', true],
  ['RateLimitExceeded', 'rate-limit', true],
  ['RequestTimeout', 'timeout', true],
  ['InvalidNonce', 'network', true],
  ['ExchangeNotAvailable', 'network', true],
  ['OnMaintenance', 'network', true],
  ['NetworkError', 'network', true],
  ['BadResponse', 'network', true],
  ['OperationFailed', 'network', true],
  ['BadRequest', 'validation', false],
  ['BadSymbol', 'validation', false],
  ['ArgumentsRequired', 'validation', false],
  ['InsufficientFunds', 'exchange', false],
  ['InvalidOrder', 'exchange', false],
  ['OrderNotFound', 'exchange', false],
  ['ExchangeError', 'exchange', false],
];

function prop(error: object, key: string): unknown {
  return (error as Record<string, unknown>)[key];
}

/** Whether `error`'s class, or one of its bases, is named one of `names` (works across package copies). */
export function hasErrorName(error: unknown, ...names: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const chain = errorNamesOf(error);
  return names.some((name) => chain.includes(name));
}

/** A ccxt error's category and retryability by its class-name chain, or undefined when it is not one. */
export function classifyCcxtError(error: unknown): Classification | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const names = errorNamesOf(error);
  for (const [name, category, retryable] of CCXT_NAMES) if (names.includes(name)) return withCode(error, category, retryable);
  return undefined;
}

function withCode(error: object, category: ErrorCategory, retryable: boolean): Classification {
  const raw = prop(error, 'code');
  return { category, retryable, code: typeof raw === 'string' ? raw : categoryCode(category) };
}

function categoryCode(category: ErrorCategory): CategoryErrorCode {
  return `${category.toUpperCase().replace('-', '_')}_ERROR` as CategoryErrorCode;
}

function byStatus(status: number): [ErrorCategory, boolean] | undefined {
  if (status === 401 || status === 403) return ['auth', false];
  if (status === 429) return ['rate-limit', true];
  if (status === 408 || status === 504) return ['timeout', true];
  if (status >= 500) return ['network', true];
  if (status >= 400) return ['validation', false];
  return undefined;
}

/** The classification of an error the taxonomy recognises, or undefined for one it does not (a user's own). */
function classifyKnown(error: unknown): Classification | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isBranded(error)) {
    const own = error as { code?: unknown; category?: unknown; retryable?: unknown; cause?: unknown };
    if (typeof own.category === 'string' && typeof own.retryable === 'boolean') {
      return { category: own.category as ErrorCategory, retryable: own.retryable, code: String(own.code) };
    }
    if (own.code === 'RETRY_EXHAUSTED') {
      // The tries are spent: the cause's category, but no further retry from outside.
      const inner = classifyKnown(own.cause);
      return { category: inner?.category ?? 'internal', retryable: false, code: 'RETRY_EXHAUSTED' };
    }
    const entry = OWN_ERROR_CLASSIFICATION[own.code as ResilienceErrorCode];
    return entry ? withCode(error, entry[0], entry[1]) : withCode(error, 'internal', false);
  }
  const rawCode = prop(error, 'code');
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  if (code && TIMEOUT_CODES.has(code)) return withCode(error, 'timeout', true);
  if (code && NETWORK_CODES.has(code)) return withCode(error, 'network', true);
  const ccxt = classifyCcxtError(error);
  if (ccxt) return ccxt;
  const names = errorNamesOf(error);
  if (names.includes('ZodError')) return withCode(error, 'validation', false);
  if (names.includes('ReplyError') || names.includes('MaxRetriesPerRequestError') || (code && /^SQLITE_/.test(code))) return withCode(error, 'storage', true);
  // PostgreSQL SQLSTATE: 08 connection, 40 transaction rollback, 53 resources, 57 operator intervention: transient.
  if (code && /^[0-9A-Z]{5}$/.test(code) && names.some((n) => n === 'DatabaseError')) {
    return withCode(error, 'storage', /^(08|40|53|57)/.test(code));
  }
  const status = prop(error, 'status') ?? prop(error, 'statusCode');
  if (typeof status === 'number') {
    const mapped = byStatus(status);
    if (mapped) return withCode(error, ...mapped);
  }
  if (names.includes('AbortError')) return withCode(error, 'timeout', false);
  return undefined;
}

/** The category, retryability and code of any thrown value. Unknown errors are `internal`, not retryable. */
export function classifyError(error: unknown): Classification {
  const known = classifyKnown(error);
  if (known) return known;
  return typeof error === 'object' && error !== null ? withCode(error, 'internal', false) : { category: 'internal', retryable: false, code: 'INTERNAL_ERROR' };
}

/**
 * Whether another try may help: `retry`'s default `retryOn`. An error the taxonomy recognises
 * (ours, ccxt's, Node's network codes, pg, ioredis, HTTP statuses) is retried when its
 * classification says so; an error it does not recognise (the user's own) is retried, since
 * only the caller knows it to be permanent (pass `retryOn` to say so).
 */
export function isRetryable(error: unknown): boolean {
  return classifyKnown(error)?.retryable ?? true;
}

/** What an error looks like once it leaves the process: categorised, correlated, secrets masked. */
export interface ErrorReport extends Classification {
  name: string;
  message: string;
  correlationId: string | undefined;
}

export function toErrorReport(error: unknown): ErrorReport {
  const classification = classifyError(error);
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const ownId = CategorizedError.is(error) ? error.correlationId : undefined;
  return { ...classification, name, message: sanitizeText(message), correlationId: ownId ?? currentCorrelationId() };
}

/** Error counts by category, for metrics. */
export class ErrorCounter {
  private readonly counts = new Map<ErrorCategory, number>(ERROR_CATEGORIES.map((c) => [c, 0]));

  /** Counts `error` under its category and returns the classification. */
  record(error: unknown): Classification {
    const classification = classifyError(error);
    this.counts.set(classification.category, (this.counts.get(classification.category) ?? 0) + 1);
    return classification;
  }

  /** Every category, zero included, so a metrics exporter always sees the full set. */
  snapshot(): Record<ErrorCategory, number> {
    return Object.fromEntries(this.counts) as Record<ErrorCategory, number>;
  }

  reset(): void {
    for (const category of ERROR_CATEGORIES) this.counts.set(category, 0);
  }
}

/** The process-wide counter the server's metrics read; components may keep their own. */
export const errorCounts = new ErrorCounter();
