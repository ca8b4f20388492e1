/**
 * Rate-limit headroom from the exchange's own counts: the used-weight headers (Binance's
 * X-MBX-USED-WEIGHT-1M) an `exchangeRateBudget` reads. Without samples the rule says it has no
 * evidence; it never guesses the exchange's count from our own.
 */
import type { ResolvedAdvisorOptions } from './options.js';
import { percent } from './rounding.js';
import type { RuleProposal, WeightObservation } from './types.js';

export function rateLimitRule(observations: readonly WeightObservation[] | undefined, o: ResolvedAdvisorOptions): RuleProposal {
  const base = { rule: 'rate-limit-headroom' as const, changes: [] };
  const seen = (observations ?? []).filter((w) => w.samples > 0);
  if (seen.length === 0) {
    return {
      ...base,
      kind: 'no-evidence',
      summary: 'no used-weight header (X-MBX-USED-WEIGHT-1M) was recorded: the headroom is unknown, and not guessed',
      evidence: { samples: 0 },
    };
  }
  // The tightest budget decides.
  const worst = seen.reduce((a, b) => (b.peakUsed / b.limit > a.peakUsed / a.limit ? b : a));
  const peakShare = worst.peakUsed / worst.limit;
  const evidence = {
    budget: worst.budget,
    limit: worst.limit,
    windowMs: worst.windowMs,
    samples: worst.samples,
    peakUsed: worst.peakUsed,
    p99Used: worst.p99Used,
    peakShare: +peakShare.toFixed(4),
    headroomTarget: o.headroomTarget,
    headroomAtPeak: worst.limit - worst.peakUsed,
  };
  if (peakShare <= o.headroomTarget) {
    return { ...base, kind: 'keep', summary: `${worst.budget}: peak ${worst.peakUsed} of ${worst.limit} per ${worst.windowMs / 1000} s (${percent(peakShare)}), within the ${percent(o.headroomTarget)} target`, evidence };
  }
  const cut = worst.peakUsed - Math.floor(worst.limit * o.headroomTarget);
  return {
    ...base,
    kind: 'advisory',
    summary: `${worst.budget}: peak ${worst.peakUsed} of ${worst.limit} per ${worst.windowMs / 1000} s (${percent(peakShare)}), above the ${percent(o.headroomTarget)} target: shed about ${cut} weight per window at the peak (fewer or lighter reads, a websocket stream instead of polling) before a 429 does it`,
    evidence,
  };
}
