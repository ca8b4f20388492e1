/**
 * The current settings the advisor judges: the service configuration's `policies:` (timeout.ms,
 * retry.maxAttempts, breaker.*) as the replay's `PolicySettings`, the retry budget as the
 * configured exchange runs it (the resilientExchange default: 20% of requests plus 10/s).
 */
import type { BulwarkConfig } from '../../config/schema.js';
import { RETRY_BUDGET_DEFAULTS } from '../../limits/retry-budget.js';
import type { WindowOptions } from '../../policies/breaker/options.js';
import type { PolicySettings } from '../replay/types.js';

export interface SettingsFromConfigOptions {
  /**
   * The breaker window the configured policies run with. The service's exchange breakers take the
   * `exchangeApi` preset's consecutive-failures window (trading/presets.ts), under which the
   * configured failureRateThreshold and minimumCalls are not used; the caller that knows passes it.
   * Unset: the circuitBreaker default (the last 100 calls).
   */
  breakerWindow?: WindowOptions;
}

export function settingsFromConfig(config: Pick<BulwarkConfig, 'policies'>, options: SettingsFromConfigOptions = {}): PolicySettings {
  const { breaker, retry, timeout } = config.policies;
  return {
    timeout: { ms: timeout.ms },
    retry: { maxAttempts: retry.maxAttempts, retryBudget: { ratio: RETRY_BUDGET_DEFAULTS.ratio, minRetriesPerSecond: RETRY_BUDGET_DEFAULTS.minRetriesPerSecond } },
    breaker: { failureRateThreshold: breaker.failureRateThreshold, minimumCalls: breaker.minimumCalls, openMs: breaker.openMs, ...(options.breakerWindow ? { window: options.breakerWindow } : {}) },
  };
}
