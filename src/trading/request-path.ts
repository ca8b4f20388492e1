/**
 * The way every request to one exchange goes: wait out a 429 pause (fail at once during a
 * ban), through the breaker of the whole exchange and the one of its endpoint group, noting a
 * 429/418 on the way back. Reads are retried on recoverable errors under the retry budget.
 * `resilientExchange` and its order placer share one.
 */
import type { Exchange } from 'ccxt';
import type { Policy } from '../core/policy.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { RetryPolicy } from '../policies/retry.js';
import type { ExchangeBanGuard } from './ban-guard.js';

/** Endpoint groups, each with its own breaker. */
export type EndpointGroup = 'marketData' | 'account' | 'orders';

/**
 * Why the exchange refused a request: `'rate-limited'` (a 429: requests pause for `retryAfterMs`,
 * then go on) or `'banned'` (a 418, or a pause longer than the guard waits out: calls fail at once
 * until it ends).
 */
export type ExchangeRejectReason = 'rate-limited' | 'banned';

/** The exchange refused a request (429/418); named `rejected` as every refusal is, its `reason` says which. */
export interface ExchangeRejected {
  reason: ExchangeRejectReason;
  /** How long every request to this exchange now pauses (or fails at once, when banned). */
  retryAfterMs: number;
  /** The error the exchange's answer became (ccxt's `DDoSProtection`, `RateLimitExceeded`, ...). */
  error: unknown;
}

/** What a request path reports. */
export interface RequestPathEvents {
  /** The exchange refused a request (429/418). */
  rejected: ExchangeRejected;
  /** A read is tried again (`attempt` counts from 1, so the first retry is attempt 2). */
  retry: { method: string; attempt: number };
}

/** Where a component sends its events (an `Emitter` of a wider event map fits). */
export interface EventSink<E> {
  emit<K extends keyof E>(name: K, event: E[K]): void;
  /** Whether anyone listens (false: the payload need not be built). */
  has?<K extends keyof E>(name: K): boolean;
}

export interface RequestPathParts {
  exchange: Exchange;
  /** The account's name (resilientExchange's `account`, by default the ccxt id): what the journal records. */
  account: string;
  banGuard: ExchangeBanGuard;
  /** The retry budget reads (and a 429'd order's resends) draw on. */
  retryBudget: RetryBudget;
  /** The read retry, over `retryBudget`. */
  readRetry: RetryPolicy;
  /** The breakers per group (undefined when breakers are off). */
  breakers: Record<EndpointGroup, Policy | undefined>;
  events: EventSink<RequestPathEvents>;
}

export class RequestPath {
  readonly exchange: Exchange;
  readonly account: string;
  readonly banGuard: ExchangeBanGuard;
  readonly retryBudget: RetryBudget;

  constructor(private readonly parts: RequestPathParts) {
    this.exchange = parts.exchange;
    this.account = parts.account;
    this.banGuard = parts.banGuard;
    this.retryBudget = parts.retryBudget;
  }

  /** One request: waits out a pause (fails at once during a ban), runs through the group's breakers, notes a 429/418. */
  once<T>(group: EndpointGroup, fn: () => Promise<T>): Promise<T> {
    let wait: number;
    try {
      wait = this.banGuard.waitMs();
    } catch (error) {
      return Promise.reject(error);
    }
    // No pause in force (the usual case): the request goes in this turn, without a wait to await.
    if (wait > 0) return this.banGuard.admit().then(() => this.through(group, fn));
    return this.through(group, fn);
  }

  private through<T>(group: EndpointGroup, fn: () => Promise<T>): Promise<T> {
    const attempt = (): Promise<T> => {
      let sent: Promise<T>;
      try {
        sent = fn();
      } catch (error) {
        return this.noteRejected(error);
      }
      return sent.then(undefined, this.noteRejected);
    };
    const path = this.parts.breakers[group];
    return path ? path.execute(attempt) : attempt();
  }

  /** A failed request: a 429/418 starts the pause and is reported as `rejected`; the error is rethrown as it was. */
  private readonly noteRejected = (error: unknown): never => {
    const { banGuard, events } = this.parts;
    const ms = banGuard.observe(error, this.exchange.last_response_headers);
    if (ms !== undefined) events.emit('rejected', { reason: banGuard.isBanned ? 'banned' : 'rate-limited', retryAfterMs: ms, error });
    throw error;
  };

  /** A read: retried on recoverable errors under the budget, each try through `once`. */
  read<T>(group: EndpointGroup, method: string, fn: () => Promise<T>): Promise<T> {
    return this.parts.readRetry.execute(async (ctx) => {
      if (ctx.attempt > 1) this.parts.events.emit('retry', { method, attempt: ctx.attempt });
      return this.once(group, fn);
    });
  }
}
