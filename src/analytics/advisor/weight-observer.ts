/**
 * Keeps what the exchange said of its own counts: every used-weight header an
 * `exchangeRateBudget` reads (its `corrected` events), per budget, as a bounded sample for the
 * rate-limit headroom rule. In memory: it holds what this process saw since it started.
 */
import type { Unsubscribe } from '../../core/events.js';
import type { ExchangeRateBudget } from '../../limits/budgets/exchange-rate-budget.js';
import type { WeightEvidenceSource, WeightObservation } from './types.js';

export interface WeightObserver extends WeightEvidenceSource {
  close: Unsubscribe;
}

/** `maxSamples` per budget are kept (the newest); each sample is one header value. */
export function weightObserver(budget: Pick<ExchangeRateBudget, 'on' | 'table'>, maxSamples = 10_000): WeightObserver {
  const samples = new Map<string, number[]>();
  const off = budget.on('corrected', ({ budget: id, observed }) => {
    const list = samples.get(id) ?? [];
    list.push(observed);
    if (list.length > maxSamples) list.splice(0, list.length - maxSamples);
    samples.set(id, list);
  });
  return {
    close: off,
    observations(): WeightObservation[] {
      return budget.table.budgets.flatMap((b) => {
        const list = samples.get(b.id);
        if (!list || list.length === 0) return [];
        const sorted = [...list].sort((x, y) => x - y);
        return [{ budget: b.id, limit: b.limit, windowMs: b.windowMs, samples: sorted.length, peakUsed: sorted.at(-1)!, p99Used: sorted[Math.floor(0.99 * (sorted.length - 1))]! }];
      });
    },
  };
}
