import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError } from '../../src/core/errors.js';
import { classifyOrderFailure, httpStatusOf, isRecoverable, venueErrorCode } from '../../src/trading/errors.js';

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
