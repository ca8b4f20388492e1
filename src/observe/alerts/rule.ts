/**
 * Alert rules, validated at the edge with zod. Semantics follow Prometheus alerting rules:
 * a condition over a metric, `forMs` before pending becomes firing, `keepFiringForMs` of
 * hysteresis before a firing alert resolves.
 */
import { z } from 'zod';

export const severities = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];

export const conditions = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Condition = (typeof conditions)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');

export const alertRuleSchema = z
  .object({
    /** Unique, URL-safe. */
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'must start with a letter and hold only letters, digits, _ . - (at most 100)'),
    /** A metric name, e.g. bulwark_circuitbreaker_state or bulwark_call_duration_seconds_count. */
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name'),
    /** Only series whose labels equal these. */
    match: z.record(labelName, z.string()).default({}),
    /** How matching series combine into one value; max by default (the worst one alerts). */
    aggregate: z.enum(['max', 'min', 'sum', 'avg']).default('max'),
    /**
     * Labels kept by the aggregation (PromQL `max by (name)`): one value per distinct set, so an
     * alert says which breaker or queue is wrong. Empty combines every series into one value.
     */
    by: z.array(labelName).max(10).default([]),
    /** 'value' compares the value; 'rate' compares its per-second increase over `rangeMs` (for counters). */
    fn: z.enum(['value', 'rate']).default('value'),
    /** Range of a rate; one minute smooths scrape jitter and still reacts fast. */
    rangeMs: z.number().int().positive().default(60_000),
    condition: z.enum(conditions),
    threshold: z.number().finite(),
    /** How long the condition must hold before the alert fires; 0 fires at once. */
    forMs: z.number().int().nonnegative().default(0),
    /** How long a firing alert stays firing after the condition clears (anti-flapping). */
    keepFiringForMs: z.number().int().nonnegative().default(0),
    severity: z.enum(severities).default('warning'),
    description: z.string().max(1_000).default(''),
    labels: z.record(labelName, z.string()).default({}),
    annotations: z.record(labelName, z.string()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export type AlertRuleInput = z.input<typeof alertRuleSchema>;
export type AlertRule = z.output<typeof alertRuleSchema>;

/** Validates a rule; the error names the field and the reason. */
export function parseAlertRule(input: unknown): AlertRule {
  const result = alertRuleSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(rule)';
    throw new TypeError(`invalid alert rule: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function compare(value: number, condition: Condition, threshold: number): boolean {
  switch (condition) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
