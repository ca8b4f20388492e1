/**
 * Faster fault cycles for a short soak: every scenario's duration, and the Retry-After of its
 * 429/418 rules, multiplied by one factor, so a ban still ends within its scenario.
 */
import type { FaultScenario } from '../fault-injector.js';
import { checkNumber } from '../../core/option-checks.js';

export function scaleScenarios(scenarios: readonly FaultScenario[], factor: number): FaultScenario[] {
  checkNumber('soak', 'faultScale', factor, 0, Infinity, true);
  return scenarios.map((scenario) => ({
    ...scenario,
    durationMs: Math.max(1, Math.round(scenario.durationMs * factor)),
    faults: {
      ...scenario.faults,
      ...(scenario.faults.failures
        ? { failures: scenario.faults.failures.map((rule) => (rule.retryAfterSec === undefined ? rule : { ...rule, retryAfterSec: Math.max(1, Math.round(rule.retryAfterSec * factor)) })) }
        : {}),
    },
  }));
}
