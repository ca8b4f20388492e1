/**
 * Timeout from the observed latency: the p99.9 of successful calls times a margin, never below
 * the least timeout nor the exchange's documented limit for the dependency's kind.
 */
import type { PolicySettings } from '../replay/types.js';
import type { ResolvedAdvisorOptions } from './options.js';
import { ceilTwoDigits } from './rounding.js';
import type { DependencyEvidence, RuleProposal } from './types.js';

/** The kind of a dependency: its name after the last `:` (`binance:orders` -> `orders`). */
export function dependencyKind(dependency: string): string {
  return dependency.slice(dependency.lastIndexOf(':') + 1);
}

export function timeoutRule(evidence: DependencyEvidence, current: PolicySettings, o: ResolvedAdvisorOptions): RuleProposal {
  const currentMs = current.timeout ? current.timeout.ms : null;
  const kind = dependencyKind(evidence.dependency);
  const floorMs = o.timeoutFloorsMs[kind] ?? null;
  const base = { rule: 'timeout' as const, changes: [] };
  if (evidence.success < o.minCalls) {
    return { ...base, kind: 'no-evidence', summary: `${evidence.success} successful calls recorded; the timeout rule needs ${o.minCalls} to read a p${o.timeoutQuantile * 100}`, evidence: { successCalls: evidence.success, minCalls: o.minCalls, currentMs } };
  }
  const quantileMs = evidence.p99_9Ms;
  const fromLatencyMs = ceilTwoDigits(quantileMs * o.timeoutMargin);
  const proposedMs = Math.max(fromLatencyMs, o.minTimeoutMs, floorMs ?? 0);
  const bound = proposedMs === fromLatencyMs ? 'latency' : proposedMs === floorMs ? `the documented floor for "${kind}"` : 'minTimeoutMs';
  const evidenceFigures = {
    successCalls: evidence.success,
    timeouts: evidence.timeout,
    p50Ms: evidence.p50Ms,
    p99Ms: evidence.p99Ms,
    p99_9Ms: quantileMs,
    margin: o.timeoutMargin,
    floorMs,
    currentMs,
    proposedMs,
    boundBy: bound,
  };
  if (currentMs !== null && Math.abs(currentMs - proposedMs) <= o.timeoutTolerance * proposedMs) {
    return { ...base, kind: 'keep', summary: `timeout ${currentMs} ms fits: p99.9 ${round(quantileMs)} ms x ${o.timeoutMargin} -> ${proposedMs} ms`, evidence: evidenceFigures };
  }
  const why = currentMs === null ? 'no timeout: a hung call holds its caller forever' : currentMs > proposedMs ? `${round(currentMs / quantileMs)}x the p99.9, so a hung call holds its caller that long` : 'below what slow but successful calls need';
  return {
    ...base,
    kind: 'proposed',
    summary: `timeout ${currentMs ?? 'none'} -> ${proposedMs} ms (p99.9 ${round(quantileMs)} ms x ${o.timeoutMargin}${bound === 'latency' ? '' : `, raised to ${bound}`}): ${why}`,
    evidence: evidenceFigures,
    proposed: { ...current, timeout: { ms: proposedMs } },
    changes: [{ key: 'policies.timeout.ms', option: 'timeout.ms', from: currentMs, to: proposedMs }],
  };
}

function round(value: number): number {
  return +value.toFixed(value < 10 ? 2 : 0);
}
