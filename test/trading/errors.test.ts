import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/random.js';
import { classifyOrderFailure, httpStatusOf, isOrderNotFound, isRecoverable, isThrottled, venueErrorCode } from '../../src/trading/errors.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { drive, offlineBinance } from './support/offline-binance.js';

describe('ccxt error classification', () => {
  it('duplicate client order ids on Binance, OKX and Bybit', () => {
    expect(classifyOrderFailure(new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'))).toBe('duplicate');
    expect(classifyOrderFailure(new ccxt.InvalidOrder('okx {"code":"1","data":[{"sCode":"51016","sMsg":"Duplicated clOrdId"}]}'))).toBe('duplicate');
    expect(classifyOrderFailure(new ccxt.ExchangeError('bybit {"retCode":110072,"retMsg":"OrderLinkedID is duplicate"}'))).toBe('duplicate');
    expect(classifyOrderFailure(new ccxt.DuplicateOrderId('x'))).toBe('duplicate');
    // -2010 is Binance's generic NEW_ORDER_REJECTED: only its duplicate message means "already placed".
    expect(classifyOrderFailure(new ccxt.InsufficientFunds('binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}'))).toBe('rejected');
  });

  it('ambiguous: timeouts, network errors, 5xx, -1007 (whatever class ccxt picked), unknown errors', () => {
    expect(classifyOrderFailure(new ccxt.RequestTimeout('t'))).toBe('ambiguous');
    expect(classifyOrderFailure(new ccxt.NetworkError('fetch failed'))).toBe('ambiguous');
    expect(classifyOrderFailure(new ccxt.ExchangeNotAvailable('binance 503'))).toBe('ambiguous');
    expect(classifyOrderFailure(new ccxt.OperationFailed('binance {"code":-1001}'))).toBe('ambiguous');
    expect(classifyOrderFailure(new ccxt.ExchangeError('binance {"code":-1007,"msg":"execution status unknown"}'))).toBe('ambiguous');
    expect(classifyOrderFailure(new Error('something else'))).toBe('ambiguous');
  });

  it('throttled and rejected', () => {
    expect(classifyOrderFailure(new ccxt.DDoSProtection('binance 429 Too Many Requests {}'))).toBe('throttled');
    expect(classifyOrderFailure(new ccxt.RateLimitExceeded('x'))).toBe('throttled');
    expect(classifyOrderFailure(new ccxt.InvalidNonce('x'))).toBe('throttled');
    expect(classifyOrderFailure(new ccxt.AuthenticationError('x'))).toBe('rejected');
    expect(classifyOrderFailure(new ccxt.BadSymbol('x'))).toBe('rejected');
  });

  it('recoverable for reads: the OperationFailed family only', () => {
    expect(isRecoverable(new ccxt.OnMaintenance('x'))).toBe(true);
    expect(isRecoverable(new ccxt.BadResponse('x'))).toBe(true);
    expect(isRecoverable(new ccxt.OrderNotFound('x'))).toBe(false);
    expect(isRecoverable(new BrokenCircuitError())).toBe(false);
    expect(httpStatusOf(new ccxt.DDoSProtection('binance 418 I\'m a teapot {}'))).toBe(418);
    expect(venueErrorCode(new Error('binance {"code":-2013,"msg":"Order does not exist."}'))).toBe('-2013');
  });
});

describe('ccxt errors from a second copy of ccxt (the user\'s own ccxt beside ours)', () => {
  // Another copy's classes: other objects than our ccxt's, with ccxt's names and hierarchy.
  class BaseError extends Error {}
  class OperationFailed extends BaseError {}
  class NetworkError extends OperationFailed {}
  class ExchangeNotAvailable extends NetworkError {}
  class DDoSProtection extends NetworkError {}
  class ExchangeError extends BaseError {}
  class InvalidOrder extends ExchangeError {}
  class OrderNotFound extends InvalidOrder {}
  class DuplicateOrderId extends InvalidOrder {}

  it('is understood by name: recoverable, throttled, not found, duplicate, rejected', () => {
    expect(new ExchangeNotAvailable('x')).not.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    expect(isRecoverable(new ExchangeNotAvailable('binance 503'))).toBe(true);
    expect(isRecoverable(new InvalidOrder('bad'))).toBe(false);
    expect(isThrottled(new DDoSProtection('binance 429'))).toBe(true);
    expect(isOrderNotFound(new OrderNotFound('gone'))).toBe(true);
    expect(classifyOrderFailure(new DuplicateOrderId('dup'))).toBe('duplicate');
    expect(classifyOrderFailure(new InvalidOrder('bad'))).toBe('rejected');
    expect(classifyOrderFailure(new ExchangeNotAvailable('binance 503'))).toBe('ambiguous');
  });

  it('a 503 ExchangeNotAvailable from the other copy is retried by resilientExchange', async () => {
    const env = await offlineBinance();
    const original = env.exchange.fetchTicker.bind(env.exchange);
    let calls = 0;
    env.exchange.fetchTicker = async (...args: Parameters<typeof original>) => {
      calls++;
      if (calls === 1) throw new ExchangeNotAvailable('binance 503 Service Unavailable');
      return original(...args);
    };
    const rex = resilientExchange(env.exchange, { clock: env.clock, random: seededRandom(3) });
    const ticker = await drive(env.clock, rex.fetchTicker('BTC/USDT'));
    expect(calls).toBe(2);
    expect(ticker.stale).toBe(false);
  });
});
