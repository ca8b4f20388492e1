/**
 * The resilientExchange settings that may change while it trades (`exchange.reconfigure()`): the
 * ccxt client's request timeout, the tries of a read or a cancel, the retry budget's share and
 * floor, and the breakers' settings (the exchange's and each group's alike). Everything is
 * checked before anything changes, so a bad value leaves every setting as it was.
 */
import type { Exchange } from 'ccxt';
import { checkInteger, checkNumber, checkObject } from '../core/option-checks.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { RetryBudgetSettings } from '../limits/retry-budget.js';
import type { BreakerSettings, CircuitBreaker } from '../policies/breaker/index.js';
import { resolveChanges } from '../policies/breaker/settings.js';
import type { RetryPolicy } from '../policies/retry.js';

export interface ExchangeSettings {
  /** The ccxt client's request timeout (its `timeout`), ms. */
  timeoutMs: number;
  /** Tries in all for a read and a cancel, the first included. */
  maxAttempts: number;
  /** The retry budget's share and floor; undefined when the budget given cannot tell (not a RollingRetryBudget). */
  retryBudget?: RetryBudgetSettings;
  /** The breakers' settings; undefined when breakers are off. */
  breaker?: BreakerSettings;
}

/** What `reconfigure()` takes: any of the settings; a breaker's keys left out keep their values. */
export type ExchangeSettingsChange = Partial<Omit<ExchangeSettings, 'retryBudget'>> & { retryBudget?: Partial<RetryBudgetSettings> };

/** A retry budget whose settings can change (RollingRetryBudget). */
interface TunableBudget extends RetryBudget {
  currentSettings(): RetryBudgetSettings;
  reconfigure(changes: Partial<RetryBudgetSettings>): RetryBudgetSettings;
}

/** The parts the settings live in. */
export interface ExchangeSettingsParts {
  client: Exchange;
  retry: RetryPolicy;
  retryBudget: RetryBudget;
  /** Every breaker of the wrapper (the exchange's first); empty when breakers are off. */
  breakers: readonly CircuitBreaker[];
}

const where = 'resilientExchange.reconfigure';

function tunable(budget: RetryBudget): budget is TunableBudget {
  return typeof (budget as Partial<TunableBudget>).reconfigure === 'function' && typeof (budget as Partial<TunableBudget>).currentSettings === 'function';
}

export function exchangeSettingsOf(parts: ExchangeSettingsParts): ExchangeSettings {
  const first = parts.breakers[0];
  return {
    timeoutMs: parts.client.timeout,
    maxAttempts: parts.retry.maxAttempts,
    ...(tunable(parts.retryBudget) ? { retryBudget: parts.retryBudget.currentSettings() } : {}),
    ...(first ? { breaker: first.currentSettings() } : {}),
  };
}

/** Checks every change, then applies them all; returns the settings before and after. */
export function applyExchangeSettings(parts: ExchangeSettingsParts, changes: ExchangeSettingsChange): { from: ExchangeSettings; to: ExchangeSettings } {
  checkObject(where, 'changes', changes);
  const known = ['timeoutMs', 'maxAttempts', 'retryBudget', 'breaker'];
  for (const key of Object.keys(changes)) if (!known.includes(key)) throw new TypeError(`${where}: unknown setting ${key} (it changes ${known.join(', ')})`);
  if (changes.timeoutMs !== undefined) checkNumber(where, 'timeoutMs', changes.timeoutMs, 0, Infinity, true);
  if (changes.maxAttempts !== undefined) checkInteger(where, 'maxAttempts', changes.maxAttempts, 1);
  if (changes.retryBudget !== undefined) {
    checkObject(where, 'retryBudget', changes.retryBudget);
    if (!tunable(parts.retryBudget)) throw new TypeError(`${where}: the retry budget given to this wrapper cannot change its settings (give a RollingRetryBudget, or none)`);
    const { ratio, minRetriesPerSecond } = changes.retryBudget;
    if (ratio !== undefined) checkNumber(where, 'retryBudget.ratio', ratio, 0, 1);
    if (minRetriesPerSecond !== undefined) checkNumber(where, 'retryBudget.minRetriesPerSecond', minRetriesPerSecond, 0);
  }
  if (changes.breaker !== undefined) {
    if (parts.breakers.length === 0) throw new TypeError(`${where}: breakers are off in this wrapper (breaker: false); there is no breaker to change`);
    // Checked on the first breaker's settings as its reconfigure will: a bad key or value throws here, before anything changed.
    resolveChanges(parts.breakers[0]!.currentSettings(), changes.breaker);
  }
  const from = exchangeSettingsOf(parts);
  if (changes.breaker !== undefined) for (const breaker of parts.breakers) breaker.reconfigure(changes.breaker);
  if (changes.maxAttempts !== undefined) parts.retry.reconfigure({ maxAttempts: changes.maxAttempts });
  if (changes.retryBudget !== undefined && tunable(parts.retryBudget)) parts.retryBudget.reconfigure(changes.retryBudget);
  if (changes.timeoutMs !== undefined) parts.client.timeout = changes.timeoutMs;
  return { from, to: exchangeSettingsOf(parts) };
}
