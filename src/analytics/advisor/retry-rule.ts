/**
 * Retry attempts that fit a retry budget: at least as many tries as it takes for a call to fail
 * on all of them at the baseline error rate no more often than the target, but never more than the
 * budget's share pays for at that rate (the current count stays when it lies between); and a
 * budget when there is none, so an outage is not hit by every call's every retry.
 */
import type { PolicySettings, ReplayRetrySettings } from '../replay/types.js';
import type { ResolvedAdvisorOptions } from './options.js';
import { percent } from './rounding.js';
import type { DependencyEvidence, RuleProposal } from './types.js';

/** Expected retries per call with `attempts` tries when each try fails independently with `errorRate`. */
export function expectedRetries(errorRate: number, attempts: number): number {
  let sum = 0;
  for (let k = 1; k < attempts; k++) sum += errorRate ** k;
  return sum;
}

/** The least tries whose all-fail chance at `errorRate` is at most `target`, within [2, max]. */
export function attemptsFor(errorRate: number, target: number, max: number): number {
  if (max < 2) return max;
  if (errorRate <= 0) return 2; // one retry rides out a rare blip; more has nothing to ride out
  if (errorRate >= 1) return max;
  return Math.min(max, Math.max(2, Math.ceil(Math.log(target) / Math.log(errorRate) - 1e-9)));
}

export function retryRule(evidence: DependencyEvidence, current: PolicySettings, o: ResolvedAdvisorOptions): RuleProposal {
  const retry = current.retry || undefined;
  const currentAttempts = retry?.maxAttempts ?? 1;
  const budget = retry?.retryBudget || undefined;
  const ran = evidence.success + evidence.failure + evidence.timeout;
  const base = { rule: 'retry' as const, changes: [] };
  if (ran < o.minCalls) {
    return { ...base, kind: 'no-evidence', summary: `${ran} calls recorded; the retry rule needs ${o.minCalls} to read an error rate`, evidence: { calls: ran, minCalls: o.minCalls, currentAttempts } };
  }
  const e = evidence.baselineErrorRate;
  const ratio = budget?.ratio ?? o.retryBudgetRatio;
  // Enough tries to reach the target at the baseline, but no more than the budget pays for at that rate
  // (the budget wins when both cannot hold): the current count stays when it lies between.
  const needed = attemptsFor(e, o.retryTargetFailureRate, o.maxRetryAttempts);
  let affordable = o.maxRetryAttempts;
  while (affordable > 2 && expectedRetries(e, affordable) > ratio) affordable--;
  const attempts = Math.min(Math.max(currentAttempts, needed), affordable);
  const figures = {
    calls: ran,
    baselineErrorRate: e,
    errorRate: evidence.errorRate,
    targetFailureRate: o.retryTargetFailureRate,
    currentAttempts,
    neededAttempts: needed,
    affordableAttempts: affordable,
    proposedAttempts: attempts,
    retriesPerCallAtBaseline: +expectedRetries(e, attempts).toFixed(6),
    budgetRatio: ratio,
    currentBudget: budget ? `${percent(budget.ratio)} + ${budget.minRetriesPerSecond}/s` : 'none',
  };
  const needsBudget = !budget && attempts > 1;
  if (attempts === currentAttempts && !needsBudget) {
    return { ...base, kind: 'keep', summary: `${currentAttempts} tries under a budget of ${percent(ratio)} fit a baseline error rate of ${percent(e)}`, evidence: figures };
  }
  const proposedBudget = budget ?? { ratio: o.retryBudgetRatio, minRetriesPerSecond: o.retryBudgetMinPerSecond };
  const proposedRetry: ReplayRetrySettings = { ...(retry ?? {}), maxAttempts: attempts, retryBudget: proposedBudget };
  const changes: RuleProposal['changes'] = [];
  if (attempts !== currentAttempts) changes.push({ key: 'policies.retry.maxAttempts', option: 'retry.maxAttempts', from: currentAttempts, to: attempts });
  if (needsBudget) changes.push({ key: 'policies.retry.budget', option: 'retry.retryBudget', from: null, to: proposedBudget });
  const parts = [
    ...(attempts !== currentAttempts ? [`${currentAttempts} -> ${attempts} tries (at a baseline error rate of ${percent(e)}, ${attempts} leave ${(e ** attempts).toExponential(1)} of calls failing)`] : []),
    ...(needsBudget ? [`a retry budget of ${percent(proposedBudget.ratio)} of requests + ${proposedBudget.minRetriesPerSecond}/s, so an outage is not met with every call's every retry`] : []),
  ];
  return { ...base, kind: 'proposed', summary: `${parts.join('; ')}`, evidence: figures, proposed: { ...current, retry: proposedRetry }, changes };
}
