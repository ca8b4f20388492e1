/**
 * The alert engine: evaluates rules over metrics on an interval, moves each rule through its
 * states (inactive -> pending -> firing, state-machine.ts) with Prometheus semantics (`for`,
 * `keep_firing_for`), reports every change as a `stateChange` (a firing alert going back to
 * inactive has the reason `resolved`), and sends grouped notifications with a repeat interval,
 * Alertmanager style.
 */
import { type Clock, setTimerOn, systemClock } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import { checkInteger, checkNumber } from '../../core/option-checks.js';
import type { AlertNotice, Notification, NotificationChannel } from './channels.js';
import type { AlertHistory, AlertHistoryEntry } from './history.js';
import { memoryAlertHistory } from './history.js';
import { type AlertRule, type AlertRuleInput, compare, parseAlertRule } from './rule.js';
import type { MetricSource } from './source.js';
import { type AlertSeries, type Readings, seriesKey, seriesOf, worstFirst } from './series.js';
import { type AlertChangeReason, type AlertPhase, type AlertStateName, evaluatePhase } from './state-machine.js';
import { backoff } from '../../policies/backoff.js';
import { type RetryPolicy, retry } from '../../policies/retry.js';

export type { AlertChangeReason, AlertStateName } from './state-machine.js';
export type { AlertSeries } from './series.js';

export interface AlertState extends AlertPhase {
  rule: AlertRule;
  /** The last evaluated value (NaN when no series matched); with `by`, the worst series' value. */
  value: number;
  /** The series for which the condition holds, each with its `by` labels (what Prometheus labels its alerts with). */
  series: AlertSeries[];
  lastEvaluatedAt?: number;
}

/** A rule changed state; `reason` says why (`resolved` when a firing alert went back to inactive). */
export interface AlertStateChange {
  rule: string;
  from: AlertStateName;
  to: AlertStateName;
  reason: AlertChangeReason;
  value: number;
  at: number;
}

export interface AlertEngineEvents {
  stateChange: AlertStateChange;
  notified: { channel: string; notification: Notification };
  notifyFailed: { channel: string; notification: Notification; error: unknown };
  evaluationFailed: { rule: string; error: unknown };
  /** Writing to the history failed; the transition itself still happened and was notified. */
  historyFailed: { entry: AlertHistoryEntry; error: unknown };
}

export interface AlertEngineOptions {
  source: MetricSource;
  channels?: NotificationChannel[];
  history?: AlertHistory;
  clock?: Clock;
  /** Evaluation interval; 15 s is Prometheus's usual evaluation interval. */
  intervalMs?: number;
  /** Rule labels that group alerts into one notification; by severity, so a page carries only pages. */
  groupBy?: string[];
  /** Reminder for a group still firing; 4 h as Alertmanager's default repeat_interval. */
  repeatIntervalMs?: number;
  /** Delivery tries per channel per notification; 3 rides out a receiver's blip. */
  deliveryAttempts?: number;
}

export const ALERT_ENGINE_DEFAULTS = {
  intervalMs: 15_000, // Prometheus's usual evaluation interval
  groupBy: ['severity'], // a page carries only pages
  repeatIntervalMs: 4 * 3_600_000, // Alertmanager's default repeat_interval
  deliveryAttempts: 3, // rides out a receiver's blip
};

interface Group {
  lastNotifiedAt: number;
}

export class AlertEngine implements EventSource<AlertEngineEvents> {
  private readonly states = new Map<string, AlertState>();
  /** Per rate rule, its counter readings by series. */
  private readonly readings = new Map<string, Readings>();
  private readonly groups = new Map<string, Group>();
  private readonly events = new Emitter<AlertEngineEvents>();
  private readonly clock: Clock;
  private readonly source: MetricSource;
  readonly channels: NotificationChannel[];
  readonly history: AlertHistory;
  private readonly settings: typeof ALERT_ENGINE_DEFAULTS;
  private cancelTimer: (() => void) | undefined;
  private evaluating: Promise<AlertStateChange[]> | undefined;
  /** How a notification is delivered to one channel: a few tries with a growing pause. */
  private readonly delivery: RetryPolicy;

  constructor(options: AlertEngineOptions) {
    this.source = options.source;
    this.clock = options.clock ?? systemClock;
    this.channels = options.channels ?? [];
    this.history = options.history ?? memoryAlertHistory();
    this.settings = {
      intervalMs: options.intervalMs ?? ALERT_ENGINE_DEFAULTS.intervalMs,
      groupBy: options.groupBy ?? ALERT_ENGINE_DEFAULTS.groupBy,
      repeatIntervalMs: options.repeatIntervalMs ?? ALERT_ENGINE_DEFAULTS.repeatIntervalMs,
      deliveryAttempts: options.deliveryAttempts ?? ALERT_ENGINE_DEFAULTS.deliveryAttempts,
    };
    checkNumber('alertEngine', 'intervalMs', this.settings.intervalMs, 0, Infinity, true);
    checkInteger('alertEngine', 'deliveryAttempts', this.settings.deliveryAttempts, 1);
    // Every channel error is worth another try; waits of 250 ms, then 500 ms, ...
    this.delivery = retry({
      maxAttempts: this.settings.deliveryAttempts,
      backoff: backoff.exponential({ initialMs: 250, factor: 2, jitter: 'none' }),
      retryOn: () => true,
      clock: this.clock,
      rethrowLastError: true,
    });
  }

  on<K extends keyof AlertEngineEvents & string>(name: K, listener: Listener<AlertEngineEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Adds a rule (validated); a rule of the same name is an error. */
  add(input: AlertRuleInput | unknown): AlertRule {
    const rule = parseAlertRule(input);
    if (this.states.has(rule.name)) throw new Error(`alert rule "${rule.name}" already exists`);
    this.states.set(rule.name, { rule, state: 'inactive', value: NaN, series: [] });
    return rule;
  }

  /** Replaces a rule's definition; its state restarts from inactive when the condition changed. */
  update(name: string, input: unknown): AlertRule {
    const current = this.states.get(name);
    if (!current) throw new Error(`alert rule "${name}" does not exist`);
    const rule = parseAlertRule({ ...current.rule, ...(input as object), name });
    this.states.set(name, { rule, state: 'inactive', value: NaN, series: [] });
    this.readings.delete(name);
    return rule;
  }

  remove(name: string): boolean {
    this.readings.delete(name);
    return this.states.delete(name);
  }

  get(name: string): AlertState | undefined {
    return this.states.get(name);
  }

  list(): AlertState[] {
    return [...this.states.values()];
  }

  /** Rules pending or firing. */
  active(): AlertState[] {
    return this.list().filter((s) => s.state !== 'inactive');
  }

  start(): void {
    if (this.cancelTimer) return;
    const tick = (): void => {
      this.cancelTimer = setTimerOn(this.clock, this.settings.intervalMs, () => {
        this.evaluate()
          .catch((error: unknown) => this.events.emit('evaluationFailed', { rule: '*', error }))
          .finally(() => {
            if (this.cancelTimer) tick();
          });
      });
    };
    tick();
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Evaluates every rule once and sends the notifications that follow. Concurrent calls share one run. */
  evaluate(): Promise<AlertStateChange[]> {
    this.evaluating ??= this.evaluateOnce().finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  /** The rule's series now; a rate rule's readings are kept for its next evaluation. */
  private async seriesOf(rule: AlertRule, now: number): Promise<AlertSeries[]> {
    const samples = await this.source.read(rule.metric);
    const readings = this.readings.get(rule.name) ?? new Map<string, Array<[number, number]>>();
    if (rule.fn === 'rate') this.readings.set(rule.name, readings);
    return seriesOf(rule, samples, readings, now);
  }

  private async evaluateOnce(): Promise<AlertStateChange[]> {
    const now = this.clock.now();
    const changes: AlertStateChange[] = [];
    const changed: Array<{ state: AlertState; status: 'firing' | 'resolved' }> = [];
    for (const state of this.states.values()) {
      const { rule } = state;
      if (!rule.enabled) continue;
      let all: AlertSeries[];
      try {
        all = await this.seriesOf(rule, now);
      } catch (error) {
        this.events.emit('evaluationFailed', { rule: rule.name, error });
        continue;
      }
      const holding = all.filter((s) => Number.isFinite(s.value) && compare(s.value, rule.condition, rule.threshold)).sort(worstFirst(rule.condition));
      const value = (holding[0] ?? [...all].sort(worstFirst(rule.condition))[0])?.value ?? NaN;
      const holds = holding.length > 0;
      const wasFiring = state.state === 'firing';
      // While firing under keep_firing_for, the alert keeps the series it fired for.
      const seriesChanged = seriesKey(state.series) !== seriesKey(holding);
      const resolvedView: AlertState = { ...state, value };
      const { phase, change } = evaluatePhase(state, holds, now, rule);
      state.value = value;
      state.lastEvaluatedAt = now;
      state.state = phase.state;
      state.activeAt = phase.activeAt;
      state.firingAt = phase.firingAt;
      state.clearedAt = phase.clearedAt;
      if (holds || !wasFiring) state.series = holding;
      if (change) changes.push({ rule: rule.name, ...change, value });
      // A firing alert whose set of series changed is sent again: receivers learn which ones hold now.
      if (state.state === 'firing' && holds && (!wasFiring || seriesChanged)) changed.push({ state, status: 'firing' });
      if (change?.reason === 'resolved') {
        state.series = [];
        changed.push({ state: resolvedView, status: 'resolved' });
      }
    }
    for (const change of changes) {
      this.events.emit('stateChange', change);
      const rule = this.states.get(change.rule)?.rule;
      // The history keeps events: a firing alert going back to inactive is recorded as `resolved`.
      const event = change.reason === 'resolved' ? 'resolved' : change.to;
      await this.record({ at: change.at, rule: change.rule, event, severity: rule?.severity ?? 'warning', value: change.value });
    }
    await this.notify(changed, now);
    return changes;
  }

  /** Writes to the history; a failed write is emitted, and evaluation goes on. */
  private async record(entry: AlertHistoryEntry): Promise<void> {
    try {
      await this.history.record(entry);
    } catch (error) {
      this.events.emit('historyFailed', { entry, error });
    }
  }

  private groupKey(rule: AlertRule): string {
    const labels: Record<string, string> = { severity: rule.severity, ...rule.labels };
    return this.settings.groupBy.map((l) => `${l}=${labels[l] ?? ''}`).join(',');
  }

  private notice(state: AlertState, status: 'firing' | 'resolved', now: number): AlertNotice {
    const { rule } = state;
    return {
      rule: rule.name,
      severity: rule.severity,
      status,
      value: state.value,
      description: rule.description,
      labels: rule.labels,
      series: state.series,
      // The worst series' own annotations (its baseline, say) after the rule's.
      annotations: { ...rule.annotations, ...state.series[0]?.annotations },
      firingAt: state.firingAt ?? now,
      ...(status === 'resolved' ? { resolvedAt: now } : {}),
    };
  }

  private async notify(changed: Array<{ state: AlertState; status: 'firing' | 'resolved' }>, now: number): Promise<void> {
    const batches = new Map<string, Notification>();
    const batch = (key: string, status: 'firing' | 'resolved', repeat: boolean): Notification => {
      const id = `${key}|${status}`;
      let n = batches.get(id);
      if (!n) {
        n = { groupKey: key, status, alerts: [], repeat };
        batches.set(id, n);
      }
      return n;
    };
    for (const { state, status } of changed) batch(this.groupKey(state.rule), status, false).alerts.push(this.notice(state, status, now));
    // Reminders for groups still firing whose repeat interval has passed.
    const firing = this.list().filter((s) => s.state === 'firing');
    for (const state of firing) {
      const key = this.groupKey(state.rule);
      const group = this.groups.get(key);
      if (batches.has(`${key}|firing`)) continue;
      if (group && now - group.lastNotifiedAt >= this.settings.repeatIntervalMs) batch(key, 'firing', true);
    }
    for (const state of firing) {
      const key = this.groupKey(state.rule);
      const n = batches.get(`${key}|firing`);
      if (n?.repeat && !n.alerts.some((a) => a.rule === state.rule.name)) n.alerts.push(this.notice(state, 'firing', now));
    }
    for (const notification of batches.values()) {
      if (notification.alerts.length === 0) continue;
      this.groups.set(notification.groupKey, { lastNotifiedAt: now });
      await Promise.all(this.channels.map((channel) => this.deliver(channel, notification, now)));
    }
  }

  /** Delivers with a few tries; a failure is recorded and emitted, never dropped silently. */
  private async deliver(channel: NotificationChannel, notification: Notification, now: number): Promise<void> {
    let lastError: unknown;
    try {
      await this.delivery.execute(() => channel.send(notification));
      this.events.emit('notified', { channel: channel.name, notification });
      for (const a of notification.alerts) await this.record({ at: now, rule: a.rule, event: 'notified', severity: a.severity, detail: `${channel.name}: ${notification.status}` });
      return;
    } catch (error) {
      lastError = error;
    }
    this.events.emit('notifyFailed', { channel: channel.name, notification, error: lastError });
    for (const a of notification.alerts) {
      await this.record({
        at: now,
        rule: a.rule,
        event: 'notify-failed',
        severity: a.severity,
        detail: `${channel.name}: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      });
    }
  }
}

export function alertEngine(options: AlertEngineOptions): AlertEngine {
  return new AlertEngine(options);
}
