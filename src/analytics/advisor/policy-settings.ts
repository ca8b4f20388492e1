/**
 * The current settings the advisor judges: the service configuration's `policies:` (timeout.ms,
 * retry.maxAttempts, breaker.*) as the replay's `PolicySettings`, the retry budget as the
 * configured exchange runs it (the resilientExchange default: 20% of requests plus 10/s).
 */
import type { BulwarkConfig } from '../../config/schema.js';
import { RETRY_BUDGET_DEFAULTS } from '../../limits/retry-budget.js';
import type { PolicySettings } from '../replay/types.js';

export function settingsFromConfig(config: Pick<BulwarkConfig, 'policies'>): PolicySettings {
  const { breaker, retry, timeout } = config.policies;
  return {
    timeout: { ms: timeout.ms },
    retry: { maxAttempts: retry.maxAttempts, retryBudget: { ratio: RETRY_BUDGET_DEFAULTS.ratio, minRetriesPerSecond: RETRY_BUDGET_DEFAULTS.minRetriesPerSecond } },
    breaker: { failureRateThreshold: breaker.failureRateThreshold, minimumCalls: breaker.minimumCalls, openMs: breaker.openMs },
  };
}
