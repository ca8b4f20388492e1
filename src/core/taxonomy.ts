/**
 * The error taxonomy: every failure gets a category and a retryable flag, whether the toolkit
 * raised it, a library did (Node, ccxt, pg, ioredis, undici, zod) or the user's own code did.
 */
import { currentCorrelationId } from './correlation.js';
import { ResilienceError } from './errors.js';
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
  code?: string;
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
    if (!ERROR_CATEGORIES.includes(options.category)) {
      throw new TypeError(`CategorizedError: category must be one of ${ERROR_CATEGORIES.join(', ')}, got ${String(options.category)}`);
    }
    super(options.code ?? `${options.category.toUpperCase().replace('-', '_')}_ERROR`, options.message, options.cause === undefined ? undefined : { cause: options.cause });
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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TIMEOUT']);

/** ccxt's error classes by name, most specific first (a subclass is checked before its base). */
const CCXT_NAMES: ReadonlyArray<[string, ErrorCategory, boolean]> = [
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

function namesInChain(error: object): string[] {
  const names: string[] = [];
  for (let proto: object | null = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
  }
  const own = prop(error, 'name');
  if (typeof own === 'string') names.unshift(own);
  return names;
}

function byStatus(status: number): [ErrorCategory, boolean] | undefined {
  if (status === 401 || status === 403) return ['auth', false];
  if (status === 429) return ['rate-limit', true];
  if (status === 408 || status === 504) return ['timeout', true];
  if (status >= 500) return ['network', true];
  if (status >= 400) return ['validation', false];
  return undefined;
}

/** The category, retryability and code of any thrown value. Unknown errors are `internal`, not retryable. */
export function classifyError(error: unknown): Classification {
  if (error instanceof CategorizedError) return { category: error.category, retryable: error.retryable, code: error.code };
  if (typeof error !== 'object' || error === null) return { category: 'internal', retryable: false, code: 'INTERNAL_ERROR' };
  const rawCode = prop(error, 'code');
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const make = (category: ErrorCategory, retryable: boolean): Classification => ({
    category,
    retryable,
    code: code ?? `${category.toUpperCase().replace('-', '_')}_ERROR`,
  });
  if (error instanceof ResilienceError) {
    switch (error.code) {
      case 'TIMEOUT':
        return make('timeout', true);
      case 'RATE_LIMITED':
        return make('rate-limit', true);
      case 'CIRCUIT_OPEN':
      case 'BULKHEAD_FULL':
        return make('network', true);
      default:
        return make('internal', false);
    }
  }
  if (code && TIMEOUT_CODES.has(code)) return make('timeout', true);
  if (code && NETWORK_CODES.has(code)) return make('network', true);
  const names = namesInChain(error);
  for (const [name, category, retryable] of CCXT_NAMES) if (names.includes(name)) return make(category, retryable);
  if (names.includes('ZodError')) return make('validation', false);
  if (names.includes('ReplyError') || names.includes('MaxRetriesPerRequestError') || (code && /^SQLITE_/.test(code))) return make('storage', true);
  // PostgreSQL SQLSTATE: 08 connection, 40 transaction rollback, 53 resources, 57 operator intervention: transient.
  if (code && /^[0-9A-Z]{5}$/.test(code) && names.some((n) => n === 'DatabaseError')) {
    return make('storage', /^(08|40|53|57)/.test(code));
  }
  const status = prop(error, 'status') ?? prop(error, 'statusCode');
  if (typeof status === 'number') {
    const mapped = byStatus(status);
    if (mapped) return make(...mapped);
  }
  if (names.includes('AbortError')) return make('timeout', false);
  return make('internal', false);
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
  const ownId = error instanceof CategorizedError ? error.correlationId : undefined;
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
