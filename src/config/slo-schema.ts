/**
 * The `slos` section of the configuration: service level objectives over the analytics
 * recording (analytics/slo.ts). Each names a dependency (a breaker, limiter or endpoint name the
 * recorder records), an availability or latency objective, a window of 7 to 30 days and the
 * calls an alert window must hold before its burn rate may page (`minimumCalls`).
 *
 * ```yaml
 * slos:
 *   - { name: binance-orders-available, dependency: binance:orders, kind: availability, objectivePercent: 99.9 }
 *   - { name: binance-orders-fast, dependency: binance:orders, kind: latency, thresholdMs: 500, objectivePercent: 99, windowDays: 7, minimumCalls: 500 }
 * ```
 */
import { z } from 'zod';

export const sloSchema = z.strictObject({
  /** Unique; names the SLO in alerts, metrics (`slo` label) and the API. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,79}$/, 'must start with a letter and hold only letters, digits, _ . - (at most 80)'),
  /** The recorded dependency it judges (the breaker's name for the Prometheus export). */
  dependency: z.string().min(1).max(200),
  /** availability: calls that did not fail, time out or get refused; latency: successful calls no slower than thresholdMs. */
  kind: z.enum(['availability', 'latency']),
  /** The share of good calls promised, in percent, e.g. 99.9. */
  objectivePercent: z.number().gt(0).lt(100),
  /** Latency objectives: the bound a good call stays within. */
  thresholdMs: z.number().finite().positive().optional(),
  /** The rolling window the objective holds over; 28 days unless set (whole weeks compare fairly). */
  windowDays: z.number().int().min(7).max(30).optional(),
  /** The calls a burn-rate alert's long window must hold before it may fire; analytics/slo.ts SLO_DEFAULTS unless set; 0: any. */
  minimumCalls: z.number({ error: 'must be a number of calls' }).int('must be a whole number of calls').min(0, 'must be 0 or more (0: no minimum)').optional(),
  description: z.string().max(1_000).optional(),
});

export const slosSchema = z.array(sloSchema).max(100);

export type SloConfig = z.infer<typeof sloSchema>;

export const SLO_CONFIG_DEFAULTS: SloConfig[] = []; // no objective unless the operator promises one

/** Cross-field rules: unique names, and thresholdMs with latency objectives only. */
export function checkSlos(slos: readonly SloConfig[], ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  slos.forEach((slo, i) => {
    if (names.has(slo.name)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'name'], message: `"${slo.name}" names two SLOs; each needs its own name` });
    names.add(slo.name);
    if (slo.kind === 'latency' && slo.thresholdMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['slos', i, 'thresholdMs'], message: 'required when kind is "latency"', params: { because: `slos.${i}.kind` } });
    }
    if (slo.kind === 'availability' && slo.thresholdMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['slos', i, 'thresholdMs'], message: 'only used when kind is "latency"' });
    }
  });
}
