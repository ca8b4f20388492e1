/** The demo's policies for the tuning advisor (analytics/advisor/), kept beside its SLOs (slos.ts). */
import type { PolicySettings } from '../analytics/replay/types.js';
import { RETRY_BUDGET_DEFAULTS } from '../limits/retry-budget.js';
import { servicePresets } from '../trading/presets.js';

/** What the tuning advisor judges in the demo: its exchange's policies as demo.ts builds them (ccxt timeout, resilientExchange retries under their budget, the exchangeApi window with a 6 s open time). */
export const demoTuningSettings: { current: PolicySettings; from: string } = {
  current: {
    timeout: { ms: 2_000 },
    retry: { maxAttempts: 3, retryBudget: { ratio: RETRY_BUDGET_DEFAULTS.ratio, minRetriesPerSecond: RETRY_BUDGET_DEFAULTS.minRetriesPerSecond } },
    breaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 6_000, window: { kind: 'consecutive', failures: servicePresets.exchangeApi.failures } },
  },
  from: "the demo's exchange policies",
};
