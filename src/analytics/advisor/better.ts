/**
 * When the replay says a proposal is better: it fails no more calls than the current settings,
 * and it improves at least one of: fewer failed calls, a lower p99 seen by callers, fewer
 * requests put on the dependency during its outages. Each figure is reported both ways.
 */
import type { ReplayReport } from '../replay/types.js';
import type { ReplayComparison } from './types.js';

const fmt = (v: number): string => (Number.isFinite(v) ? String(+v.toFixed(v < 10 ? 2 : 0)) : String(v));

export function compareReplays(current: ReplayReport, proposed: ReplayReport): ReplayComparison {
  const reasons: string[] = [];
  const improvements: string[] = [];
  const line = (name: string, a: number, b: number, lowerIsBetter = true): void => {
    const text = `${name} ${fmt(a)} -> ${fmt(b)}`;
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return;
    if (lowerIsBetter ? b < a : b > a) improvements.push(text);
    reasons.push(text);
  };
  line('failed calls', current.failed, proposed.failed);
  line('caller p99 ms', current.p99Ms, proposed.p99Ms);
  line('requests during outages', current.dependencyRequestsDuringOutages, proposed.dependencyRequestsDuringOutages);
  line('caller p50 ms', current.p50Ms, proposed.p50Ms);
  line('amplification', current.amplification, proposed.amplification);
  line('time open ms', current.openMs, proposed.openMs);
  const noMoreFailures = proposed.failed <= current.failed;
  const better =
    noMoreFailures &&
    (proposed.failed < current.failed || proposed.p99Ms < current.p99Ms || proposed.dependencyRequestsDuringOutages < current.dependencyRequestsDuringOutages);
  if (!noMoreFailures) reasons.unshift(`more failed calls (${current.failed} -> ${proposed.failed})`);
  else if (!better) reasons.unshift('no fewer failed calls, no lower caller p99, no less load during outages');
  return { current, proposed, better, reasons };
}
