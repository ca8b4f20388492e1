/**
 * Breaker failure-rate threshold and minimum calls: the threshold a multiple of an ordinary
 * bucket's error rate (so ordinary errors never trip it, an outage does), the minimum calls the
 * traffic of a few seconds (so it judges quickly, but on enough calls to be a rate).
 */
import type { PolicySettings, ReplayBreakerSettings } from '../replay/types.js';
import type { ResolvedAdvisorOptions } from './options.js';
import { ceilTo, percent } from './rounding.js';
import type { DependencyEvidence, RuleProposal } from './types.js';

/** What the breaker rule proposes from the evidence alone. */
export function breakerFigures(evidence: DependencyEvidence, o: ResolvedAdvisorOptions): { failureRateThreshold: number; minimumCalls: number } {
  const threshold = Math.min(o.maxFailureRateThreshold, Math.max(o.minFailureRateThreshold, ceilTo(evidence.baselineErrorRate * o.breakerErrorMultiple, 0.05)));
  const judged = Math.round((evidence.callsPerSecond * o.breakerJudgeMs) / 1000);
  return { failureRateThreshold: threshold, minimumCalls: Math.min(o.maxBreakerCalls, Math.max(o.minBreakerCalls, judged)) };
}

export function breakerRule(evidence: DependencyEvidence, current: PolicySettings, o: ResolvedAdvisorOptions): RuleProposal {
  const breaker = current.breaker || undefined;
  const ran = evidence.success + evidence.failure + evidence.timeout;
  const base = { rule: 'breaker' as const, changes: [] };
  if (ran < o.minCalls) {
    return { ...base, kind: 'no-evidence', summary: `${ran} calls recorded; the breaker rule needs ${o.minCalls} to read an error rate and traffic`, evidence: { calls: ran, minCalls: o.minCalls } };
  }
  const { failureRateThreshold, minimumCalls } = breakerFigures(evidence, o);
  const figures = {
    calls: ran,
    baselineErrorRate: evidence.baselineErrorRate,
    errorMultiple: o.breakerErrorMultiple,
    callsPerSecond: +evidence.callsPerSecond.toFixed(3),
    judgeMs: o.breakerJudgeMs,
    currentFailureRateThreshold: breaker?.failureRateThreshold ?? null,
    currentMinimumCalls: breaker?.minimumCalls ?? null,
    currentWindow: breaker?.window ? JSON.stringify(breaker.window) : 'the last 100 calls',
    proposedFailureRateThreshold: failureRateThreshold,
    proposedMinimumCalls: minimumCalls,
  };
  // A consecutive-failures window judges no rate: the threshold and minimum calls take effect only with a rate window.
  const consecutive = breaker?.window?.kind === 'consecutive';
  const thresholdFits = !consecutive && breaker !== undefined && Math.abs(breaker.failureRateThreshold - failureRateThreshold) < 0.05 + 1e-9;
  const callsFit = !consecutive && breaker !== undefined && breaker.minimumCalls <= minimumCalls * 2 && breaker.minimumCalls * 2 >= minimumCalls;
  if (thresholdFits && callsFit) {
    return { ...base, kind: 'keep', summary: `breaker threshold ${percent(breaker.failureRateThreshold)} over at least ${breaker.minimumCalls} calls fits a baseline error rate of ${percent(evidence.baselineErrorRate)} at ${figures.callsPerSecond} calls/s`, evidence: figures };
  }
  const rateWindow = { kind: 'count' as const, size: Math.max(100, minimumCalls) }; // the circuitBreaker default, or the minimum calls
  const proposed: ReplayBreakerSettings = { openMs: 30_000, ...(breaker ?? {}), failureRateThreshold, minimumCalls, ...(consecutive ? { window: rateWindow } : {}) };
  const changes: RuleProposal['changes'] = [];
  if (!thresholdFits) changes.push({ key: 'policies.breaker.failureRateThreshold', option: 'breaker.failureRateThreshold', from: breaker?.failureRateThreshold ?? null, to: failureRateThreshold });
  if (!callsFit) changes.push({ key: 'policies.breaker.minimumCalls', option: 'breaker.minimumCalls', from: breaker?.minimumCalls ?? null, to: minimumCalls });
  if (!breaker) changes.push({ key: 'policies.breaker.openMs', option: 'breaker.openMs', from: null, to: proposed.openMs });
  if (consecutive) changes.push({ key: 'policies.breaker.window', option: 'breaker.window', from: breaker.window, to: rateWindow });
  return {
    ...base,
    kind: 'proposed',
    summary: `${consecutive ? `a rate window (the last ${rateWindow.size} calls) instead of ${breaker.window?.kind === 'consecutive' ? breaker.window.failures : ''} failures in a row, ` : ''}open at ${percent(failureRateThreshold)} failed (${o.breakerErrorMultiple}x the baseline ${percent(evidence.baselineErrorRate)}) over at least ${minimumCalls} calls (~${o.breakerJudgeMs / 1000} s of traffic)`,
    evidence: figures,
    proposed: { ...current, breaker: proposed },
    changes,
  };
}
