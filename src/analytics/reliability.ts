/**
 * MTBF and MTTR of a dependency over a range, from its incidents. Overlapping incidents (say a
 * breaker open during a ban) are merged into one outage. Over [fromMs, toMs) (toMs capped at now,
 * and, through `reliability()`, fromMs raised to when incidents began to be recorded):
 * - failures: outages that start within the range;
 * - downtimeMs: the time within the range covered by an outage (an open one lasts until now);
 * - MTTR: the mean whole duration of the outages that ended within the range, its end included
 *   (null when none);
 * - MTBF: the time up (range minus downtime) divided by the failures (null when none: no failure
 *   was seen, so there is no interval between two to measure).
 * Chaos runs are left out by default: a deliberate experiment is not a failure of the dependency.
 */
import type { Incident, IncidentKind, IncidentLog } from './incident-log.js';
import { incidentKinds } from './incident-log.js';

export interface Reliability {
  dependency: string;
  fromMs: number;
  toMs: number;
  failures: number;
  downtimeMs: number;
  /** Null when no outage ended within the range. */
  mttrMs: number | null;
  /** Null when no outage started within the range. */
  mtbfMs: number | null;
}

/** The kinds that count as a dependency's failure unless told otherwise. */
export const RELIABILITY_KINDS: readonly IncidentKind[] = incidentKinds.filter((k) => k !== 'chaos-run');

/** The start of the span judged: the range's, or later when recording began later (never past its end). */
export function observedFrom(fromMs: number, toMs: number, observedSinceMs: number | undefined): number {
  return observedSinceMs === undefined ? fromMs : Math.max(fromMs, Math.min(observedSinceMs, toMs));
}

/** Pure: the figures from incidents of one dependency. */
export function reliabilityOf(dependency: string, incidents: readonly Pick<Incident, 'startedAt' | 'endedAt'>[], fromMs: number, toMs: number, now: number): Reliability {
  const end = Math.min(toMs, now);
  const spans = incidents.map((i) => ({ start: i.startedAt, end: i.endedAt ?? now, ended: i.endedAt !== null })).sort((a, b) => a.start - b.start);
  const outages: Array<{ start: number; end: number; ended: boolean }> = [];
  for (const span of spans) {
    const last = outages.at(-1);
    if (last && span.start <= last.end) {
      if (span.end >= last.end) {
        last.end = span.end;
        last.ended = span.ended;
      }
    } else outages.push({ ...span });
  }
  let failures = 0;
  let downtimeMs = 0;
  let repaired = 0;
  let repairMs = 0;
  for (const o of outages) {
    if (o.start >= fromMs && o.start < end) failures++;
    downtimeMs += Math.max(0, Math.min(o.end, end) - Math.max(o.start, fromMs));
    if (o.ended && o.end >= fromMs && o.end <= end) {
      repaired++;
      repairMs += o.end - o.start;
    }
  }
  const span = Math.max(0, end - fromMs);
  return {
    dependency,
    fromMs,
    toMs: end,
    failures,
    downtimeMs,
    mttrMs: repaired > 0 ? repairMs / repaired : null,
    mtbfMs: failures > 0 ? (span - downtimeMs) / failures : null,
  };
}

/** The figures of `dependency` over [fromMs, toMs) from the log. */
export async function reliability(log: IncidentLog, dependency: string, fromMs: number, toMs: number, kinds: readonly IncidentKind[] = RELIABILITY_KINDS): Promise<Reliability> {
  const incidents = await log.list({ dependency, fromMs, toMs, kinds, limit: 100_000 });
  return reliabilityOf(dependency, incidents, observedFrom(fromMs, toMs, await log.observedSince()), toMs, log.clock.now());
}
