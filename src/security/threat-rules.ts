/**
 * Detection rules over the audit stream: each looks at the entries the audit log writes and
 * returns a finding when one matches. Pure apart from the state each keeps (bounded): times come
 * from the entries, so a test drives them with a ManualClock and hand-made entries.
 *
 * - `state-change-burst`: one principal made more than `maxChanges` state changes within `windowMs`.
 * - `kill-switch-release`: the kill switch was released within `withinMs` of being set.
 * - `change-window`: a configuration change outside the configured change window (UTC).
 *
 * The other rules live next to the state they need: token-addresses.ts (`new-token-address`),
 * order-rate.ts (`order-rate`), and the brute force of lockout.ts.
 */
import { LRUCache } from 'lru-cache';
import { checkInteger } from '../core/option-checks.js';
import type { AuditEntry } from './audit-chain.js';

/** Every rule's name, as findings, alerts and the audit log spell it. */
export const threatRuleNames = ['brute-force', 'new-token-address', 'state-change-burst', 'order-rate', 'kill-switch-release', 'change-window'] as const;
export type ThreatRuleName = (typeof threatRuleNames)[number];

export type ThreatSeverity = 'critical' | 'warning' | 'info';

/** What a rule found: raised as an alert, appended to the audit log, listed by GET /api/security/threats. */
export interface ThreatFinding {
  rule: ThreatRuleName;
  at: number;
  severity: ThreatSeverity;
  /** One line for a person. */
  summary: string;
  /** Who: a principal's name, or the source address for brute force. */
  actor?: string;
  /** The caller's address, when known. */
  source?: string;
  /** The figures behind the finding (counts, thresholds, times). */
  detail: Record<string, unknown>;
}

/** The part of an audit entry the rules read. */
export type AuditEntryLike = Pick<AuditEntry, 'time' | 'actor' | 'actorKind' | 'action' | 'outcome' | 'tags'> & Partial<Pick<AuditEntry, 'source' | 'target'>>;

/** A rule over the audit stream. */
export interface AuditRule {
  readonly name: ThreatRuleName;
  observe(entry: AuditEntryLike): ThreatFinding | undefined;
}

const REQUEST = /^(POST|PUT|PATCH|DELETE) /;

/** A state change a person or a token made through the API (not the service's own decisions, not refused ones). */
export function isPrincipalChange(entry: AuditEntryLike): boolean {
  return entry.outcome === 'success' && entry.actorKind !== 'system' && REQUEST.test(entry.action) && !entry.action.startsWith('POST /api/login') && !entry.action.startsWith('POST /api/logout');
}

// ── state-change-burst ─────────────────────────────────────────────────────────────────────

export interface StateChangeBurstOptions {
  /** More than this many changes by one principal within the window is a burst. */
  maxChanges?: number;
  windowMs?: number;
  /** Principals tracked at most (least recently active dropped first). */
  maxPrincipals?: number;
}

export const STATE_CHANGE_BURST_DEFAULTS = {
  maxChanges: 30, // an operator clicking through an incident makes a handful a minute; thirty is a script
  windowMs: 60_000, // one minute: long enough to see a loop, short enough to name it while it runs
  maxPrincipals: 1_000, // tokens and users of one desk; more are dropped least recently active first
};

export class StateChangeBurst implements AuditRule {
  readonly name = 'state-change-burst' as const;
  private readonly o: typeof STATE_CHANGE_BURST_DEFAULTS;
  private readonly byActor: LRUCache<string, { times: number[]; reportedAt: number }>;

  constructor(options: StateChangeBurstOptions = {}) {
    this.o = { ...STATE_CHANGE_BURST_DEFAULTS, ...options };
    checkInteger('stateChangeBurst', 'maxChanges', this.o.maxChanges, 1);
    checkInteger('stateChangeBurst', 'windowMs', this.o.windowMs, 1);
    checkInteger('stateChangeBurst', 'maxPrincipals', this.o.maxPrincipals, 1);
    this.byActor = new LRUCache({ max: this.o.maxPrincipals });
  }

  observe(entry: AuditEntryLike): ThreatFinding | undefined {
    if (!isPrincipalChange(entry)) return undefined;
    const key = `${entry.actorKind}:${entry.actor}`;
    const s = this.byActor.get(key) ?? { times: [], reportedAt: -Infinity };
    s.times.push(entry.time);
    // Keep only the window, and never more than one past the threshold.
    while (s.times.length > 0 && (entry.time - s.times[0]! >= this.o.windowMs || s.times.length > this.o.maxChanges + 1)) s.times.shift();
    this.byActor.set(key, s);
    if (s.times.length <= this.o.maxChanges || entry.time - s.reportedAt < this.o.windowMs) return undefined;
    s.reportedAt = entry.time;
    return {
      rule: this.name,
      at: entry.time,
      severity: 'warning',
      summary: `${entry.actor} made more than ${this.o.maxChanges} state changes within ${this.o.windowMs / 1000} s`,
      actor: entry.actor,
      ...(entry.source ? { source: entry.source } : {}),
      detail: { changes: s.times.length, maxChanges: this.o.maxChanges, windowMs: this.o.windowMs, lastAction: entry.action },
    };
  }
}

// ── kill-switch-release ────────────────────────────────────────────────────────────────────

export interface KillSwitchReleaseOptions {
  /** A release sooner than this after the halt is reported. */
  withinMs?: number;
}

export const KILL_SWITCH_RELEASE_DEFAULTS = {
  withinMs: 5 * 60_000, // an incident that warranted a halt is rarely understood in under five minutes
  haltActions: ['POST /api/gate/halt', 'POST /api/fleet/halt'] as readonly string[], // the kill switch, here and fleet-wide
  releaseActions: ['POST /api/gate/resume', 'POST /api/fleet/resume'] as readonly string[], // its release
};

export class KillSwitchRelease implements AuditRule {
  readonly name = 'kill-switch-release' as const;
  private readonly withinMs: number;
  private halt: { at: number; actor: string } | undefined;

  constructor(options: KillSwitchReleaseOptions = {}) {
    this.withinMs = options.withinMs ?? KILL_SWITCH_RELEASE_DEFAULTS.withinMs;
    checkInteger('killSwitchRelease', 'withinMs', this.withinMs, 1);
  }

  observe(entry: AuditEntryLike): ThreatFinding | undefined {
    if (entry.outcome !== 'success') return undefined;
    if (KILL_SWITCH_RELEASE_DEFAULTS.haltActions.includes(entry.action)) {
      this.halt = { at: entry.time, actor: entry.actor };
      return undefined;
    }
    if (!KILL_SWITCH_RELEASE_DEFAULTS.releaseActions.includes(entry.action) || !this.halt) return undefined;
    const halt = this.halt;
    this.halt = undefined;
    const after = entry.time - halt.at;
    if (after >= this.withinMs) return undefined;
    return {
      rule: this.name,
      at: entry.time,
      severity: 'critical',
      summary: `the kill switch set by ${halt.actor} was released by ${entry.actor} ${Math.round(after / 1000)} s later`,
      actor: entry.actor,
      ...(entry.source ? { source: entry.source } : {}),
      detail: { haltedBy: halt.actor, haltedAt: halt.at, releasedAfterMs: after, withinMs: this.withinMs },
    };
  }
}

// ── change-window ──────────────────────────────────────────────────────────────────────────

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** When changes are expected, in UTC: on these days, from `from` (inclusive) to `to` (exclusive), `HH:MM`. */
export interface ChangeWindow {
  days?: readonly Weekday[];
  from?: string;
  to?: string;
  /** The audit tags that make an entry a configuration change. */
  tags?: readonly string[];
}

export const CHANGE_WINDOW_DEFAULTS = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'] as readonly Weekday[], // a desk's working week
  from: '00:00', // with only `days` given, the whole day
  to: '24:00',
  tags: ['configuration', 'access-control'] as readonly string[], // alert rules, tokens, roles and secrets; trading control is an operator's job at any hour
};

/** `HH:MM` from 00:00 to 24:00. */
export const HH_MM = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** Minutes since midnight of `HH:MM`; throws naming the field otherwise. */
export function minutesOf(field: string, value: string): number {
  if (!HH_MM.test(value)) throw new RangeError(`changeWindow: ${field} must be a time HH:MM (UTC, 00:00-24:00), got ${value}`);
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Whether `time` falls inside the window; a window whose `from` is after its `to` wraps past midnight. */
export function inWindow(time: number, window: Required<Omit<ChangeWindow, 'tags'>>): boolean {
  const d = new Date(time);
  const day = weekdays[d.getUTCDay()]!;
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  const from = minutesOf('from', window.from);
  const to = minutesOf('to', window.to);
  if (from <= to) return window.days.includes(day) && minute >= from && minute < to;
  // Wrapping (e.g. 22:00-06:00): the evening belongs to its day, the early morning to the day before.
  if (minute >= from) return window.days.includes(day);
  if (minute < to) return window.days.includes(weekdays[(d.getUTCDay() + 6) % 7]!);
  return false;
}

export class ChangeWindowRule implements AuditRule {
  readonly name = 'change-window' as const;
  private readonly window: Required<ChangeWindow>;

  constructor(window: ChangeWindow) {
    this.window = { ...CHANGE_WINDOW_DEFAULTS, ...window };
    minutesOf('from', this.window.from);
    minutesOf('to', this.window.to);
    for (const day of this.window.days) if (!weekdays.includes(day)) throw new RangeError(`changeWindow: days must hold ${weekdays.join(', ')}, got ${String(day)}`);
  }

  observe(entry: AuditEntryLike): ThreatFinding | undefined {
    if (!isPrincipalChange(entry) || !entry.tags.some((t) => this.window.tags.includes(t))) return undefined;
    if (inWindow(entry.time, this.window)) return undefined;
    return {
      rule: this.name,
      at: entry.time,
      severity: 'warning',
      summary: `${entry.actor} changed the configuration outside the change window: ${entry.action}`,
      actor: entry.actor,
      ...(entry.source ? { source: entry.source } : {}),
      detail: { action: entry.action, target: entry.target ?? null, window: { days: this.window.days, from: this.window.from, to: this.window.to } },
    };
  }
}
