/**
 * Judges a soak's recording: one result per invariant, each with what was measured, the limit and
 * the evidence when it failed. Pure: the same recording always gives the same verdict.
 */
import {
  alertRuleIssues,
  duplicateClientOrderIds,
  growthPerHour,
  longestGateSpan,
  minutesWithoutNewOrders,
} from './invariants.js';
import type { SoakRecording } from './recorder.js';

export interface SoakLimits {
  /** Time the gate may take to become active again after the longest fault ends. */
  recoveryMs: number;
  /** Time the journal has to follow a change on the exchange (used by the recorder's checks; shown here). */
  followUpMs: number;
  /** Samples before this are left out of the growth figures (start-up allocates). */
  warmupMs: number;
  /** Longest silence of an alert rule: a few of its evaluation intervals. */
  maxRuleSilenceMs: number;
  maxHeapGrowthMbPerHour: number;
  maxRssGrowthMbPerHour: number;
  maxLoopDelayGrowthMsPerHour: number;
  /**
   * Change over the whole run allowed on top of the per-hour limits (caches filling, collector and
   * scheduler noise): the limit a run is judged by is `max...PerHour + allowance / hours judged`,
   * so a short run only catches a fast leak and an hour-long one is judged close to the per-hour limit.
   */
  heapAllowanceMb: number;
  rssAllowanceMb: number;
  loopDelayAllowanceMs: number;
}

export interface InvariantResult {
  name: string;
  ok: boolean;
  measured: string;
  limit: string;
  /** Evidence when it failed (at most a few lines). */
  details: string[];
}

export interface SoakResult {
  ok: boolean;
  startedAt: number;
  endedAt: number;
  minutes: number;
  invariants: InvariantResult[];
  figures: Record<string, number | string | boolean>;
}

const MB = 1024 * 1024;
const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function judgeSoak(rec: SoakRecording, limits: SoakLimits): SoakResult {
  const { startedAt, endedAt } = rec;
  const invariants: InvariantResult[] = [];

  const duplicates = duplicateClientOrderIds(rec.orders);
  invariants.push({ name: 'one order per client order id', ok: duplicates.length === 0, measured: `${duplicates.length} ids with two orders`, limit: '0', details: duplicates.slice(0, 5) });

  const wholeMinutes = Math.floor((endedAt - startedAt) / 60_000);
  const silent = minutesWithoutNewOrders(
    rec.orders.map((o) => o.time),
    startedAt,
    endedAt,
  );
  invariants.push({
    name: 'new orders reach the exchange every minute',
    ok: silent.length === 0,
    measured: wholeMinutes < 2 ? 'not judged: under 2 whole minutes' : `${silent.length} of ${wholeMinutes - 1} minutes silent`,
    limit: '0 silent minutes after the first',
    details: silent.slice(0, 5).map((k) => `minute ${k} had no new order`),
  });

  const closedFaults = rec.faults.map((f) => (f.to ?? endedAt) - f.from);
  const longestFaultMs = closedFaults.length === 0 ? 0 : Math.max(...closedFaults);
  const boundMs = longestFaultMs + limits.recoveryMs;
  const notActive = longestGateSpan(rec.gateInitial, rec.gateChanges, ['reducing', 'halted'], startedAt, endedAt);
  const halted = longestGateSpan(rec.gateInitial, rec.gateChanges, ['halted'], startedAt, endedAt);
  const gateOk = (notActive?.durationMs ?? 0) <= boundMs;
  const reasonAt = (at: number | undefined): string => rec.gateChanges.find((c) => c.at === at)?.reason ?? 'at start';
  invariants.push({
    name: 'gate back to active after each fault',
    ok: gateOk,
    measured: `longest not active ${notActive?.durationMs ?? 0} ms (halted ${halted?.durationMs ?? 0} ms)`,
    limit: `${boundMs} ms (longest fault ${longestFaultMs} + recovery ${limits.recoveryMs})`,
    details: gateOk || !notActive ? [] : [`not active from +${notActive.from - startedAt} ms to +${notActive.to - startedAt} ms; first reason: ${reasonAt(notActive.from)}`],
  });

  const driftSamples = rec.samples.filter((s) => s.drift > 0).length;
  invariants.push({
    name: 'journal equals exchange',
    ok: rec.driftSeen.length === 0,
    measured: `${rec.driftSeen.length} orders differed (${driftSamples} of ${rec.samples.length} checks)`,
    limit: `0 (orders unchanged for ${limits.followUpMs} ms)`,
    details: rec.driftSeen.slice(0, 5).map((d) => `${d.clientOrderId}: journal ${d.journal}, exchange ${d.exchange}, for ${d.ageMs} ms outside faults`),
  });

  const issues = alertRuleIssues(rec.rules, rec.evaluationFailures, endedAt, limits.maxRuleSilenceMs);
  invariants.push({
    name: 'every alert rule evaluates',
    ok: issues.length === 0,
    measured: `${rec.rules.length} rules, ${issues.length} issues`,
    limit: '0 errors, 0 rules without data',
    details: [...new Set(issues.map((i) => `${i.rule}: ${i.problem}`))].slice(0, 5),
  });

  const steady = rec.samples.filter((s) => s.at - startedAt >= limits.warmupMs);
  const heap = growthPerHour(steady.map((s) => ({ at: s.at, value: s.heapUsed / MB })));
  const rss = growthPerHour(steady.map((s) => ({ at: s.at, value: s.rss / MB })));
  const loop = growthPerHour(steady.map((s) => ({ at: s.at, value: s.loopDelayP99Ms })));
  const judgedHours = Math.max(0, endedAt - startedAt - limits.warmupMs) / 3_600_000;
  const flat = (name: string, value: number, perHour: number, allowance: number, unit: string): InvariantResult => {
    const limit = judgedHours > 0 ? perHour + allowance / judgedHours : Infinity;
    return {
      name,
      // Too few samples to tell is a failure to show, not a pass.
      ok: Number.isFinite(value) && value <= limit,
      measured: `${fixed(value)} ${unit}`,
      limit: `<= ${fixed(limit)} ${unit} (${perHour} + ${allowance} over ${fixed(judgedHours * 60)} min)`,
      details: Number.isFinite(value) ? [] : ['too few samples after the warm-up'],
    };
  };
  invariants.push(flat('heap used flat', heap, limits.maxHeapGrowthMbPerHour, limits.heapAllowanceMb, 'MB/h'));
  invariants.push(flat('RSS flat', rss, limits.maxRssGrowthMbPerHour, limits.rssAllowanceMb, 'MB/h'));
  invariants.push(flat('event-loop delay flat (p99)', loop, limits.maxLoopDelayGrowthMsPerHour, limits.loopDelayAllowanceMs, 'ms/h'));

  const first = rec.samples[0];
  const last = rec.samples.at(-1);
  const figures: SoakResult['figures'] = {
    ordersOnExchange: rec.orders.length,
    ordersPerMinute: Number(((rec.orders.filter((o) => o.time >= startedAt).length * 60_000) / Math.max(1, endedAt - startedAt)).toFixed(1)),
    faultsInjected: rec.faults.length,
    faultNames: [...new Set(rec.faults.map((f) => f.name))].join(', '),
    gateChanges: rec.gateChanges.length,
    samples: rec.samples.length,
    apiPollsOk: rec.apiPolls.ok,
    apiPollsFailed: rec.apiPolls.failed,
    heapStartMb: Number(fixed((first?.heapUsed ?? NaN) / MB)),
    heapEndMb: Number(fixed((last?.heapUsed ?? NaN) / MB)),
    rssStartMb: Number(fixed((first?.rss ?? NaN) / MB)),
    rssEndMb: Number(fixed((last?.rss ?? NaN) / MB)),
    loopDelayP99MaxMs: Number(fixed(Math.max(0, ...rec.samples.map((s) => s.loopDelayP99Ms)))),
    loopDelayMaxMs: Number(fixed(Math.max(0, ...rec.samples.map((s) => s.loopDelayMaxMs)))),
    gcForced: rec.gcForced,
  };
  return { ok: invariants.every((i) => i.ok), startedAt, endedAt, minutes: Number(((endedAt - startedAt) / 60_000).toFixed(2)), invariants, figures };
}
