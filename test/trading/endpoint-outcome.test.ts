/** What a failed exchange request says about the host it went to. */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { AbortedError, BrokenCircuitError } from '../../src/core/errors.js';
import { endpointOutcome, neverSent } from '../../src/trading/endpoint-outcome.js';

describe('endpointOutcome', () => {
  it('gateway: timeouts, network errors, 5xx (the host failed)', () => {
    expect(endpointOutcome(new ccxt.RequestTimeout('binance GET https://api1.binance.com/api/v3/time request timed out (300 ms)'))).toBe('gateway');
    expect(endpointOutcome(new ccxt.NetworkError('binance GET ... fetch failed: connect ECONNREFUSED 127.0.0.1:1'))).toBe('gateway');
    expect(endpointOutcome(new ccxt.ExchangeNotAvailable('binance GET ... 502 Bad Gateway'))).toBe('gateway');
    expect(endpointOutcome(new TypeError('fetch failed'))).toBe('gateway');
  });

  it('neutral: a 429/418 counts per account or IP, maintenance is the whole exchange, a bad timestamp is ours, and our own refusals', () => {
    expect(endpointOutcome(new ccxt.DDoSProtection('binance 418'))).toBe('neutral');
    expect(endpointOutcome(new ccxt.RateLimitExceeded('binance 429'))).toBe('neutral');
    expect(endpointOutcome(new ccxt.OnMaintenance('System is under maintenance.'))).toBe('neutral');
    expect(endpointOutcome(new ccxt.InvalidNonce('-1021'))).toBe('neutral');
    expect(endpointOutcome(new BrokenCircuitError())).toBe('neutral');
    expect(endpointOutcome(new AbortedError('aborted'))).toBe('neutral');
  });

  it('success: the host answered with a business refusal', () => {
    for (const error of [new ccxt.InsufficientFunds('x'), new ccxt.InvalidOrder('x'), new ccxt.OrderNotFound('x'), new ccxt.AuthenticationError('x'), new ccxt.BadSymbol('x')]) {
      expect(endpointOutcome(error)).toBe('success');
    }
  });

  it('failure: garbage from the host, or an error nobody knows', () => {
    expect(endpointOutcome(new ccxt.BadResponse('not json'))).toBe('failure');
    expect(endpointOutcome(new Error('something else'))).toBe('failure');
  });
});

describe('neverSent', () => {
  it('only a refused connection or an unknown host: nothing reached a server', () => {
    expect(neverSent(new ccxt.NetworkError('binance POST http://127.0.0.1:1/api/v3/order fetch failed: connect ECONNREFUSED 127.0.0.1:1'))).toBe(true);
    expect(neverSent(new ccxt.NetworkError('binance POST https://api9.example fetch failed: getaddrinfo ENOTFOUND api9.example'))).toBe(true);
    expect(neverSent(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }))).toBe(true);
    expect(neverSent(new ccxt.NetworkError('binance POST ... fetch failed: other side closed'))).toBe(false);
    expect(neverSent(new ccxt.NetworkError('socket hang up ECONNRESET'))).toBe(false);
    expect(neverSent(new ccxt.RequestTimeout('request timed out'))).toBe(false);
    expect(neverSent(new ccxt.ExchangeNotAvailable('502 Bad Gateway ECONNREFUSED upstream'))).toBe(false);
    expect(neverSent(new ccxt.InsufficientFunds('ECONNREFUSED in a message'))).toBe(false);
  });
});
