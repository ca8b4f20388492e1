/**
 * The feeds that open and close incidents from components' events. Each takes only the event
 * shape it needs (no import of the component's class) and returns an unsubscribe function.
 */
import type { Unsubscribe } from '../core/events.js';
import { retryAfterOf } from '../core/errors.js';
import type { IncidentLog } from './incident-log.js';

/** Breaker states in which calls do not flow normally. */
const DOWN_STATES = new Set(['open', 'half-open', 'isolated']);

export interface BreakerChangeSource {
  on(name: 'stateChange', listener: (change: { from: string; to: string; reason: string; at: number }) => void): Unsubscribe;
}

/**
 * A breaker's open period: from leaving `closed` (to open or isolated) until it is closed again;
 * half-open trials that fail keep the same incident. The cause is the breaker's reason.
 */
export function trackBreakerIncidents(log: IncidentLog, breaker: BreakerChangeSource & { readonly name?: string }, name = breaker.name ?? 'breaker'): Unsubscribe {
  return breaker.on('stateChange', ({ from, to, reason, at }) => {
    if (DOWN_STATES.has(to) && !DOWN_STATES.has(from)) log.begin('breaker-open', name, reason, at, { state: to });
    else if (!DOWN_STATES.has(to)) log.end('breaker-open', name, reason, at);
  });
}

export interface GateChangeSource {
  on(name: 'stateChange', listener: (change: { from: string; to: string; reason: string; at: number }) => void): Unsubscribe;
}

/** The trading gate's halts and reductions, each mode its own incident, on `name`. */
export function trackGateIncidents(log: IncidentLog, gate: GateChangeSource, name = 'trading-gate'): Unsubscribe {
  return gate.on('stateChange', ({ to, reason, at }) => {
    if (to !== 'halted') log.end('gate-halted', name, reason, at);
    if (to !== 'reducing') log.end('gate-reducing', name, reason, at);
    if (to === 'halted') log.begin('gate-halted', name, reason, at);
    if (to === 'reducing') log.begin('gate-reducing', name, reason, at);
  });
}

export interface ThrottleSource {
  on(name: 'rejected', listener: (event: { reason: string; error: unknown }) => void): Unsubscribe;
}

/**
 * An exchange's bans (HTTP 418, or a Retry-After too long to wait): each lasts until the end the
 * exchange gave (the error's `retryAfterMs`); a ban that arrives during one extends it.
 */
export function trackBanIncidents(log: IncidentLog, source: ThrottleSource, exchange: string): Unsubscribe {
  let current: { id: string; startedAt: number; endedAt: number } | undefined;
  return source.on('rejected', ({ reason, error }) => {
    if (reason !== 'banned') return;
    const now = log.clock.now();
    const endsAt = now + (retryAfterOf(error) ?? 0);
    if (current && now <= current.endedAt) {
      if (endsAt <= current.endedAt) return;
      current.endedAt = endsAt;
    } else {
      current = { id: `exchange-ban:${exchange}:${log.instance}:${now}`, startedAt: now, endedAt: endsAt };
    }
    log.put({ id: current.id, kind: 'exchange-ban', dependency: exchange, cause: 'banned', startedAt: current.startedAt, endedAt: current.endedAt, resolution: 'ban-expired', detail: {} });
  });
}

export interface AlertChangeSource {
  on(name: 'stateChange', listener: (change: { rule: string; to: string; reason: string; value: number; at: number }) => void): Unsubscribe;
}

/** An alert rule's firing periods, on the rule's name; the cause carries the value it fired at. */
export function trackAlertIncidents(log: IncidentLog, engine: AlertChangeSource): Unsubscribe {
  return engine.on('stateChange', ({ rule, to, reason, value, at }) => {
    if (to === 'firing') log.begin('alert', rule, `firing at ${value}`, at, { value });
    else log.end('alert', rule, reason, at);
  });
}

/** What the feed needs of the chaos run store (chaos/experiments/run-store.ts). */
export interface ChaosRunListing {
  list(options?: { limit?: number }): Promise<Array<{ id: string; title: string; actor: string; status: string; reason: string | null; startedAt: number; endedAt: number | null }>>;
}

/** Copies chaos runs into incidents (idempotent: each run's incident id is its run id). */
export async function importChaosRuns(log: IncidentLog, runs: ChaosRunListing, limit = 200): Promise<number> {
  const list = await runs.list({ limit });
  for (const run of list) {
    log.put({
      id: `chaos-run:${run.id}`,
      kind: 'chaos-run',
      dependency: run.title,
      cause: `experiment run by ${run.actor}`,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      resolution: run.endedAt === null ? null : run.reason ? `${run.status}: ${run.reason}` : run.status,
      detail: { runId: run.id, status: run.status },
    });
  }
  return list.length;
}
