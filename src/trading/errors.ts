/**
 * ccxt error classification for trading, and the trading layer's own errors.
 *
 * ccxt's classes say whether an error MAY recover (`OperationFailed` / `NetworkError` family) or
 * not (`ExchangeError` family), but an order needs more: was it placed? A timeout, a dropped
 * connection, a 5xx or Binance -1007 leave that unknown; a 429/418 says "not executed"; a
 * duplicate client order id says "already placed".
 *
 * ccxt errors are recognised by class NAME (core/taxonomy.ts), never by `instanceof`: a user's
 * project may load a second copy of ccxt, whose classes are other objects with the same names.
 */
import { ExecutionRejectedError, ResilienceError, messageOf } from '../core/errors.js';
import { classifyCcxtError, hasErrorName } from '../core/taxonomy.js';

/** What a failed createOrder means for the order. */
export type OrderFailureKind =
  /** The exchange already holds an order with this client order id: look it up. */
  | 'duplicate'
  /** Refused before execution (rate limit, IP ban, bad timestamp): not placed; may be sent again later. */
  | 'throttled'
  /** Refused for good (funds, parameters, permissions): not placed. */
  | 'rejected'
  /** May or may not have been placed: resolve only by looking it up by client order id. */
  | 'ambiguous';

/** Venue error codes that mean "this client order id is taken": Binance -2010 (with its message), OKX 51016, Bybit 110072. */
const DUPLICATE_CODES = ['51016', '110072'];

/** Binance -1007 "Timeout waiting for response from backend server. Send status unknown; execution status unknown." */
const UNKNOWN_STATUS_CODES = ['-1007'];

/** Every venue error code in a ccxt error message (ccxt puts the response body there): Binance `code`, OKX `sCode`, Bybit `retCode`. */
export function venueErrorCodes(error: unknown): string[] {
  const message = messageOf(error);
  const codes: string[] = [];
  for (const match of message.matchAll(/"(?:code|sCode|retCode)"\s*:\s*"?(-?\d+)"?/g)) if (match[1] !== undefined) codes.push(match[1]);
  return codes;
}

/** The first venue error code in a ccxt error message. */
export function venueErrorCode(error: unknown): string | undefined {
  return venueErrorCodes(error)[0];
}

/** The HTTP status a ccxt DDoSProtection message carries ("binance 429 Too Many Requests {...}"). */
export function httpStatusOf(error: unknown): number | undefined {
  const match = /\b(418|429|5\d\d)\b/.exec(messageOf(error));
  return match ? Number(match[1]) : undefined;
}

export function isDuplicateOrderError(error: unknown): boolean {
  if (hasErrorName(error, 'DuplicateOrderId')) return true;
  const codes = venueErrorCodes(error);
  if (codes.some((code) => DUPLICATE_CODES.includes(code))) return true;
  return codes.includes('-2010') && /duplicate order/i.test(messageOf(error));
}

/** Rate limited or banned: the request was refused before the exchange acted on it. */
export function isThrottled(error: unknown): boolean {
  return hasErrorName(error, 'DDoSProtection', 'RateLimitExceeded');
}

/**
 * Errors worth another try for a read: ccxt's `OperationFailed` family (NetworkError, RequestTimeout,
 * ExchangeNotAvailable, OnMaintenance, DDoSProtection, RateLimitExceeded, InvalidNonce, BadResponse).
 * Its `ExchangeError` family (AuthenticationError, InsufficientFunds, InvalidOrder, OrderNotFound,
 * BadRequest, BadSymbol, ...) is permanent.
 */
export function isRecoverable(error: unknown): boolean {
  const ccxt = classifyCcxtError(error);
  if (ccxt) return ccxt.retryable;
  // A transport failure outside ccxt (a fake fetch, a proxy) looks like this.
  return error instanceof TypeError && /fetch failed|network|socket/i.test(error.message);
}

export function isOrderNotFound(error: unknown): boolean {
  return hasErrorName(error, 'OrderNotFound');
}

/** What a createOrder failure means for the order; anything not known to be safe is ambiguous. */
export function classifyOrderFailure(error: unknown): OrderFailureKind {
  if (isDuplicateOrderError(error)) return 'duplicate';
  if (venueErrorCodes(error).some((code) => UNKNOWN_STATUS_CODES.includes(code))) return 'ambiguous';
  if (isThrottled(error) || hasErrorName(error, 'InvalidNonce')) return 'throttled';
  if (hasErrorName(error, 'ExchangeError')) return 'rejected';
  return 'ambiguous';
}

/** The order's fate is unknown after every lookup: it may exist. The intent stays UNKNOWN for reconciliation. */
export class OrderStatusUnknownError extends ResilienceError {
  declare readonly code: 'ORDER_STATUS_UNKNOWN';
  constructor(
    readonly intentId: string,
    readonly clientOrderId: string,
    cause: unknown,
  ) {
    super('ORDER_STATUS_UNKNOWN', `order intent "${intentId}" (client order id ${clientOrderId}): the exchange's answer was lost and no lookup found the order; it stays UNKNOWN until reconciliation`, { cause });
  }
}

/** The intent ended without an order (rejected or never sent); a new intent id is needed to try again. */
export class IntentClosedError extends ResilienceError {
  declare readonly code: 'INTENT_CLOSED';
  constructor(
    readonly intentId: string,
    readonly state: string,
    reason: string | null,
  ) {
    super('INTENT_CLOSED', `order intent "${intentId}" is ${state}${reason ? ` (${reason})` : ''}: use a new intentId to try again`);
  }
}

/** The trading gate refused an order: a refusal, nothing was sent. */
export class TradingGateError extends ExecutionRejectedError {
  declare readonly code: 'TRADING_HALTED' | 'TRADING_REDUCING';
  constructor(
    code: 'TRADING_HALTED' | 'TRADING_REDUCING',
    readonly reason: string,
  ) {
    super(code, code === 'TRADING_HALTED' ? `trading is halted: ${reason}` : `trading is reducing-only (${reason}): this order would add exposure`);
  }
}

/** A pre-trade check refused an order: a refusal, nothing was sent. */
export class PreTradeRejectedError extends ExecutionRejectedError {
  declare readonly code: 'PRE_TRADE_REJECTED';
  constructor(
    readonly check: string,
    message: string,
  ) {
    super('PRE_TRADE_REJECTED', `pre-trade check ${check}: ${message}`);
  }
}
