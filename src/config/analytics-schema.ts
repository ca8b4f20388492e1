/**
 * The `analytics` section of the configuration: the anomaly detector of the service's analytics
 * (analytics/anomaly/). Unset options take the detector's defaults (ANOMALY_DETECTOR_DEFAULTS).
 *
 * ```yaml
 * analytics:
 *   anomaly:
 *     enabled: true
 *     deviations: 5
 *     timeZone: Europe/London
 * ```
 */
import { z } from 'zod';
import { isTimeZone } from '../core/option-checks.js';

export const analyticsConfigSchema = z.strictObject({
  anomaly: z.strictObject({
    /** Baselines for each breaker's p99 latency and error rate, placed orders and 429s, with an `anomaly-*` alert each. */
    enabled: z.boolean(),
    historyMs: z.number().finite().positive().optional(),
    minSamples: z.number().int().min(3).optional(),
    deviations: z.number().finite().positive().optional(),
    consecutivePoints: z.number().int().min(1).optional(),
    seasonality: z.enum(['hour-of-day', 'none']).optional(),
    /** The clock of the hour-of-day profile: an IANA time zone (`Europe/London`); UTC unless set. */
    timeZone: z.string().refine(isTimeZone, { message: "an IANA time zone such as 'Europe/London' or 'UTC' (unknown to this runtime's Intl)" }).optional(),
    seasonDays: z.number().int().min(1).optional(),
    keepDays: z.number().int().min(1).optional(),
  }),
});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;

export const ANALYTICS_CONFIG_DEFAULTS: AnalyticsConfig = {
  anomaly: { enabled: true }, // warnings only, silent through the warm-up: worth having unless turned off
};

/** Cross-field rule: the profile keeps at least the days it needs. */
export function checkAnalytics(analytics: AnalyticsConfig, ctx: z.RefinementCtx): void {
  const { seasonDays, keepDays } = analytics.anomaly;
  if (keepDays !== undefined && keepDays < (seasonDays ?? 2)) {
    ctx.addIssue({ code: 'custom', path: ['analytics', 'anomaly', 'keepDays'], message: `at least seasonDays (${seasonDays ?? 2}): the profile keeps the days it needs`, params: { because: 'analytics.anomaly.seasonDays' } });
  }
}
