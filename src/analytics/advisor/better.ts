/**
 * When the replay says a proposal is better. It must gain at least `minGain` (a share) on one of:
 * failed calls, the p99 seen by callers, the requests put on the dependency during its outages;
 * and fail no more calls than the current settings, give or take `maxExtraFailedShare` of the
 * calls. That allowance is a trade stated in the reasons, never hidden: a shorter timeout shows an
 * outage to the breaker sooner, so it may stay open a little past the outage's end and refuse a
 * few calls that a caller hung for ten seconds would have got through. Every figure is reported
 * both ways.
 */
import type { ReplayReport } from '../replay/types.js';
import type { ReplayComparison } from './types.js';

export interface BetterOptions {
  /** Calls more failing than under the current settings accepted, as a share of the trace's calls. */
  maxExtraFailedShare: number;
  /** The least gain that counts, as a share of the current figure (0.1: 10% fewer). */
  minGain: number;
}

export const BETTER_DEFAULTS: BetterOptions = {
  maxExtraFailedShare: 0.005, // one call in 200 more refused, for a p99 or an outage's load cut by at least minGain
  minGain: 0.1, // a 10% gain is past the noise of a reconstructed trace (calls shuffled within 10 s buckets)
};

const fmt = (v: number): string => (Number.isFinite(v) ? String(+v.toFixed(v < 10 ? 2 : 0)) : String(v));

export function compareReplays(current: ReplayReport, proposed: ReplayReport, options: BetterOptions = BETTER_DEFAULTS): ReplayComparison {
  const reasons: string[] = [];
  const line = (name: string, a: number, b: number): void => {
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) reasons.push(`${name} ${fmt(a)} -> ${fmt(b)}`);
  };
  line('failed calls', current.failed, proposed.failed);
  line('caller p99 ms', current.p99Ms, proposed.p99Ms);
  line('requests during outages', current.dependencyRequestsDuringOutages, proposed.dependencyRequestsDuringOutages);
  line('caller p50 ms', current.p50Ms, proposed.p50Ms);
  line('amplification', current.amplification, proposed.amplification);
  line('time open ms', current.openMs, proposed.openMs);
  const gains = (a: number, b: number): boolean => b < a * (1 - options.minGain) - 1e-9 || (a > 0 && b === 0);
  const gained = gains(current.failed, proposed.failed) || gains(current.p99Ms, proposed.p99Ms) || gains(current.dependencyRequestsDuringOutages, proposed.dependencyRequestsDuringOutages);
  const extra = proposed.failed - current.failed;
  const allowed = Math.floor(options.maxExtraFailedShare * current.calls);
  const better = gained && extra <= allowed;
  if (extra > allowed) reasons.unshift(`${extra} more failed calls (more than ${allowed}, ${+(options.maxExtraFailedShare * 100).toFixed(2)}% of ${current.calls})`);
  else if (!gained) reasons.unshift(`no gain of ${options.minGain * 100}% in failed calls, caller p99 or load during outages`);
  else if (extra > 0) reasons.unshift(`trades ${extra} more failed calls (${+((100 * extra) / current.calls).toFixed(2)}% of ${current.calls}) for the gain`);
  return { current, proposed, better, reasons };
}
