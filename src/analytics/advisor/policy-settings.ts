/**
 * The current settings the advisor judges: the service configuration's `policies:` (timeout.ms,
 * retry.maxAttempts and budget, breaker.*) as the replay's `PolicySettings`; a budget not
 * configured is the one the configured exchange runs (the retry budget's defaults: 20% of
 * requests plus 10/s).
 */
import type { BulwarkConfig } from '../../config/schema.js';
import { RETRY_BUDGET_DEFAULTS } from '../../limits/retry-budget.js';
import type { WindowOptions } from '../../policies/breaker/options.js';
import type { PolicySettings, ReplayBreakerSettings, ReplayRetryBudget, ReplayRetrySettings } from '../replay/types.js';

/** PolicySettings as a configuration always gives them: every policy there, the budget too. */
export interface ConfiguredPolicySettings extends PolicySettings {
  timeout: { ms: number };
  retry: ReplayRetrySettings & { retryBudget: ReplayRetryBudget };
  breaker: ReplayBreakerSettings;
}

export interface SettingsFromConfigOptions {
  /**
   * The breaker window when `policies.breaker.window` is not configured. The service's exchange
   * breakers then take the `exchangeApi` preset's consecutive-failures window (trading/presets.ts),
   * under which the configured failureRateThreshold and minimumCalls are not used; the caller that
   * knows passes it. Unset: the circuitBreaker default (the last 100 calls).
   */
  breakerWindow?: WindowOptions;
}

export function settingsFromConfig(config: Pick<BulwarkConfig, 'policies'>, options: SettingsFromConfigOptions = {}): ConfiguredPolicySettings {
  const { breaker, retry, timeout } = config.policies;
  const window = breaker.window ?? options.breakerWindow;
  return {
    timeout: { ms: timeout.ms },
    retry: { maxAttempts: retry.maxAttempts, retryBudget: { ...(retry.budget ?? { ratio: RETRY_BUDGET_DEFAULTS.ratio, minRetriesPerSecond: RETRY_BUDGET_DEFAULTS.minRetriesPerSecond }) } },
    breaker: { failureRateThreshold: breaker.failureRateThreshold, minimumCalls: breaker.minimumCalls, openMs: breaker.openMs, ...(window ? { window: { ...window } } : {}) },
  };
}
