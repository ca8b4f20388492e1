import { describe, expect, it } from 'vitest';
import { withCorrelationId } from '../../src/core/correlation.js';
import { AbortedError, BrokenCircuitError, BulkheadFullError, IsolatedCircuitError, RateLimitedError, TimeoutError } from '../../src/core/errors.js';
import { CategorizedError, classifyError, ErrorCounter, isRetryable, toErrorReport } from '../../src/core/taxonomy.js';

class NetworkError extends Error {}
class RateLimitExceeded extends NetworkError {}
class ExchangeError extends Error {}
class InsufficientFunds extends ExchangeError {}
class AuthenticationError extends ExchangeError {}

const withCode = (code: string, name = 'Error'): Error => Object.assign(new Error(code), { code, name });

describe('classifyError', () => {
  it.each([
    [new TimeoutError(100), 'timeout', true],
    [new RateLimitedError(50), 'rate-limit', true],
    [new BrokenCircuitError(), 'network', false], // refusals are not retried (taxonomy's documented answer)
    [new BulkheadFullError(), 'network', false],
    [new IsolatedCircuitError(), 'network', false],
    [new AbortedError(), 'timeout', false],
    [withCode('ECONNRESET'), 'network', true],
    [withCode('ETIMEDOUT'), 'timeout', true],
    [withCode('UND_ERR_HEADERS_TIMEOUT'), 'timeout', true],
    [new RateLimitExceeded('slow down'), 'rate-limit', true], // ccxt subclass beats its NetworkError base
    [new NetworkError('down'), 'network', true],
    [new InsufficientFunds('no money'), 'exchange', false],
    [new AuthenticationError('bad key'), 'auth', false],
    [withCode('40001', 'DatabaseError'), 'storage', true], // serialization failure: transient
    [withCode('23505', 'DatabaseError'), 'storage', false], // unique violation: permanent
    [withCode('SQLITE_BUSY'), 'storage', true],
    [Object.assign(new Error('HTTP 429'), { status: 429 }), 'rate-limit', true],
    [Object.assign(new Error('HTTP 401'), { statusCode: 401 }), 'auth', false],
    [Object.assign(new Error('HTTP 503'), { status: 503 }), 'network', true],
    [Object.assign(new Error('HTTP 422'), { status: 422 }), 'validation', false],
    [Object.assign(new Error('bad'), { name: 'ZodError' }), 'validation', false],
    [new TypeError('x is undefined'), 'internal', false],
    ['a string', 'internal', false],
  ] as const)('%s -> %s', (error, category, retryable) => {
    expect(classifyError(error)).toMatchObject({ category, retryable });
  });

  it('a CategorizedError states its own category, code, retryability and correlation id', () => {
    const error = withCorrelationId('abc', () => new CategorizedError({ category: 'exchange', message: 'order rejected', retryable: true }));
    expect(error).toMatchObject({ category: 'exchange', code: 'EXCHANGE_ERROR', retryable: true, correlationId: 'abc' });
    expect(new CategorizedError({ category: 'rate-limit', message: 'x' }).code).toBe('RATE_LIMIT_ERROR');
    expect(() => new CategorizedError({ category: 'nope' as 'network', message: 'x' })).toThrow("CategorizedError: category must be one of 'network', ");
  });
});

describe('ErrorCounter and reports', () => {
  it('counts errors by category, every category present', () => {
    const counter = new ErrorCounter();
    counter.record(new TimeoutError(1));
    counter.record(new TimeoutError(1));
    counter.record(withCode('ECONNREFUSED'));
    expect(counter.snapshot()).toEqual({ network: 1, timeout: 2, 'rate-limit': 0, validation: 0, auth: 0, exchange: 0, storage: 0, internal: 0 });
    counter.reset();
    expect(counter.snapshot().timeout).toBe(0);
  });

  it('an error report carries the correlation id and a sanitised message', () => {
    const report = withCorrelationId('req-7', () => toErrorReport(new Error('redis://app:verysecret@cache failed')));
    expect(report).toEqual({
      category: 'internal',
      retryable: false,
      code: 'INTERNAL_ERROR',
      name: 'Error',
      message: 'redis://app:[REDACTED]@cache failed',
      correlationId: 'req-7',
    });
  });
});

describe('ccxt errors from a second copy of ccxt', () => {
  // Another copy's classes: other objects with ccxt's names and hierarchy.
  const other = (() => {
    class BaseError extends Error {}
    class OperationFailed extends BaseError {}
    class NetworkError extends OperationFailed {}
    class ExchangeNotAvailable extends NetworkError {
      constructor(message: string) {
        super(message);
        this.name = 'ExchangeNotAvailable';
      }
    }
    class ExchangeError extends BaseError {}
    class InvalidOrder extends ExchangeError {}
    class OrderNotFound extends InvalidOrder {}
    return { ExchangeNotAvailable, OrderNotFound };
  })();

  it('a 503 ExchangeNotAvailable is network and retryable', () => {
    const error = new other.ExchangeNotAvailable('binance 503 Service Unavailable');
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: true });
    expect(isRetryable(error)).toBe(true);
  });

  it('an OrderNotFound is a permanent exchange error', () => {
    expect(classifyError(new other.OrderNotFound('gone'))).toMatchObject({ category: 'exchange', retryable: false });
  });
});

describe('isRetryable (retry\'s default)', () => {
  it('follows the classification for errors it recognises and retries unknown ones', () => {
    expect(isRetryable(new BrokenCircuitError())).toBe(false);
    expect(isRetryable(new RateLimitedError(5))).toBe(true);
    expect(isRetryable(new InsufficientFunds('no money'))).toBe(false);
    expect(isRetryable(new Error('a user error'))).toBe(true);
    expect(classifyError(new Error('a user error')).retryable).toBe(false);
  });
});
