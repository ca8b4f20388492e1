/**
 * The soak's invariants as small pure functions over recorded samples: what the exchange holds,
 * the gate's changes, the journal's states, the alert rules' evaluations. The runner (run-soak.ts)
 * records; these judge. Each returns the evidence, not only a verdict, so the report can show it.
 */
import type { OrderIntentState } from '../../storage/repos/order-intents.js';

/** An order as the exchange holds it (the simulator's engine, or GET /_sim/orders). */
export interface HeldOrder {
  clientOrderId: string;
  /** Binance status: NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED. */
  status: string;
  /** When the exchange accepted it (ms). */
  time: number;
  /** When the exchange last changed it (ms). */
  updateTime: number;
}

/** An intent as the journal holds it. */
export interface JournalEntry {
  clientOrderId: string;
  state: OrderIntentState;
  updatedAt: number;
}

/** Client order ids the exchange holds more than one order for: an order placed twice. */
export function duplicateClientOrderIds(orders: readonly Pick<HeldOrder, 'clientOrderId'>[]): string[] {
  const seen = new Map<string, number>();
  for (const o of orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/**
 * Whole minutes after the first (minute 0 is the start-up) in which no new order reached the
 * exchange; minute k is [startMs + k min, startMs + (k + 1) min), counted only when it ended by `endMs`.
 */
export function minutesWithoutNewOrders(orderTimes: readonly number[], startMs: number, endMs: number): number[] {
  const minutes = Math.floor((endMs - startMs) / 60_000);
  const busy = new Set<number>();
  for (const t of orderTimes) if (t >= startMs) busy.add(Math.floor((t - startMs) / 60_000));
  const empty: number[] = [];
  for (let k = 1; k < minutes; k++) if (!busy.has(k)) empty.push(k);
  return empty;
}

export type GateMode = 'active' | 'reducing' | 'halted';

export interface GateSpan {
  from: number;
  to: number;
  durationMs: number;
}

/**
 * The longest time the gate spent continuously in one of `modes` between `startMs` and `endMs`,
 * given its mode at the start and its changes (oldest first). A span still open at the end counts
 * up to `endMs`. Undefined when it never was in those modes.
 */
export function longestGateSpan(
  initial: GateMode,
  changes: readonly { at: number; to: GateMode }[],
  modes: readonly GateMode[],
  startMs: number,
  endMs: number,
): GateSpan | undefined {
  let longest: GateSpan | undefined;
  let openedAt: number | undefined = modes.includes(initial) ? startMs : undefined;
  const close = (at: number): void => {
    if (openedAt === undefined) return;
    const span = { from: openedAt, to: at, durationMs: at - openedAt };
    if (!longest || span.durationMs > longest.durationMs) longest = span;
    openedAt = undefined;
  };
  for (const change of changes) {
    if (change.at < startMs || change.at > endMs) continue;
    if (modes.includes(change.to)) openedAt ??= change.at;
    else close(change.at);
  }
  close(endMs);
  return longest;
}

/** The journal state that matches an exchange status. */
export const journalStateOf: Readonly<Record<string, OrderIntentState>> = {
  NEW: 'OPEN',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  EXPIRED_IN_MATCH: 'EXPIRED',
  REJECTED: 'REJECTED',
};

/** States of an intent still on its way: sent (or about to be) and not yet known to the journal as held. */
const UNRESOLVED: ReadonlySet<OrderIntentState> = new Set(['PENDING', 'SENT', 'UNKNOWN']);
/** States an intent may end in without the exchange holding an order. */
const NEVER_PLACED: ReadonlySet<OrderIntentState> = new Set(['REJECTED', 'FAILED']);

export interface JournalDrift {
  clientOrderId: string;
  /** The journal's state, or 'none' when the journal has no such intent. */
  journal: OrderIntentState | 'none';
  /** The exchange's status, or 'none' when it holds no such order. */
  exchange: string;
  /** How long the disagreement may have lasted outside outages: since the exchange's last change, or the intent's. */
  ageMs: number;
}

export interface JournalDriftOptions {
  /** Time the journal has to follow a change on the exchange (the follow-up bound). */
  followUpMs: number;
  /** Time an intent may stay PENDING, SENT or UNKNOWN while the exchange holds no order for it. */
  unresolvedMs: number;
  /** Injected faults (`to` undefined: still on): time inside them does not count, the client could not look. */
  outages?: readonly { from: number; to: number | undefined }[];
}

/** Time in [from, to] outside every outage. */
export function timeOutsideOutages(from: number, to: number, outages: readonly { from: number; to: number | undefined }[]): number {
  let inside = 0;
  for (const o of outages) inside += Math.max(0, Math.min(to, o.to ?? to) - Math.max(from, o.from));
  return Math.max(0, to - from - inside);
}

/**
 * Orders where the journal and the exchange disagree, once the journal has had its time to follow:
 * an order the exchange last changed at least `followUpMs` ago must be in the journal in the
 * matching state; an intent the exchange holds no order for must have ended REJECTED or FAILED,
 * or be still unresolved for less than `unresolvedMs`. Ages count only time outside the outages.
 */
export function journalDrift(journal: readonly JournalEntry[], held: readonly HeldOrder[], nowMs: number, options: JournalDriftOptions): JournalDrift[] {
  const drift: JournalDrift[] = [];
  const byId = new Map(journal.map((j) => [j.clientOrderId, j]));
  const heldIds = new Set<string>();
  for (const order of held) {
    heldIds.add(order.clientOrderId);
    const ageMs = timeOutsideOutages(order.updateTime, nowMs, options.outages ?? []);
    if (ageMs < options.followUpMs) continue;
    const entry = byId.get(order.clientOrderId);
    if (entry?.state !== journalStateOf[order.status]) drift.push({ clientOrderId: order.clientOrderId, journal: entry?.state ?? 'none', exchange: order.status, ageMs });
  }
  for (const entry of journal) {
    if (heldIds.has(entry.clientOrderId) || NEVER_PLACED.has(entry.state)) continue;
    const ageMs = timeOutsideOutages(entry.updatedAt, nowMs, options.outages ?? []);
    if (ageMs < (UNRESOLVED.has(entry.state) ? options.unresolvedMs : options.followUpMs)) continue;
    drift.push({ clientOrderId: entry.clientOrderId, journal: entry.state, exchange: 'none', ageMs });
  }
  return drift;
}

/** What the runner saw of one alert rule. */
export interface RuleRecord {
  name: string;
  /** Evaluations seen (the rule's last evaluation time moved). */
  evaluations: number;
  /** Evaluations after the warm-up that found no series (the value was not a number). */
  withoutData: number;
  /** The rule's last evaluation time (undefined: never evaluated). */
  lastEvaluatedAt: number | undefined;
}

export interface AlertIssue {
  rule: string;
  problem: string;
}

/**
 * Alert rules that did not evaluate: an evaluation error, no evaluation for longer than
 * `maxSilenceMs` by `endMs`, or evaluations that found no series to judge (a rule that cannot fire).
 */
export function alertRuleIssues(rules: readonly RuleRecord[], failures: readonly { rule: string; message: string }[], endMs: number, maxSilenceMs: number): AlertIssue[] {
  const issues: AlertIssue[] = failures.map((f) => ({ rule: f.rule, problem: `evaluation failed: ${f.message}` }));
  for (const rule of rules) {
    if (rule.lastEvaluatedAt === undefined || endMs - rule.lastEvaluatedAt > maxSilenceMs) {
      issues.push({ rule: rule.name, problem: rule.lastEvaluatedAt === undefined ? 'never evaluated' : `not evaluated for ${endMs - rule.lastEvaluatedAt} ms` });
    }
    if (rule.withoutData > 0) issues.push({ rule: rule.name, problem: `${rule.withoutData} of ${rule.evaluations} evaluations found no series` });
  }
  return issues;
}

/** Growth per hour of a measured value: the slope of the least-squares line through the samples, times an hour. NaN under two samples. */
export function growthPerHour(samples: readonly { at: number; value: number }[]): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const meanT = samples.reduce((a, s) => a + s.at, 0) / n;
  const meanV = samples.reduce((a, s) => a + s.value, 0) / n;
  let cov = 0;
  let varT = 0;
  for (const s of samples) {
    cov += (s.at - meanT) * (s.value - meanV);
    varT += (s.at - meanT) ** 2;
  }
  return varT === 0 ? NaN : (cov / varT) * 3_600_000;
}
