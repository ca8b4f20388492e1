/**
 * The alert engine: evaluates rules over metrics on an interval, moves each rule through
 * inactive -> pending -> firing -> resolved with Prometheus semantics (`for`, `keep_firing_for`),
 * and sends grouped notifications with a repeat interval, Alertmanager style.
 */
import { type Clock, setTimerOn, systemClock } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import type { AlertNotice, Notification, NotificationChannel } from './channels.js';
import type { AlertHistory, AlertHistoryEntry } from './history.js';
import { memoryAlertHistory } from './history.js';
import { type AlertRule, type AlertRuleInput, compare, parseAlertRule } from './rule.js';
import type { MetricSource, Sample } from './source.js';
import { backoff } from '../../policies/backoff.js';
import { type RetryPolicy, retry } from '../../policies/retry.js';

export type AlertStateName = 'inactive' | 'pending' | 'firing';

/** One aggregated series of a rule: its `by` labels and its value. */
export interface AlertSeries {
  labels: Record<string, string>;
  value: number;
}

export interface AlertState {
  rule: AlertRule;
  state: AlertStateName;
  /** The last evaluated value (NaN when no series matched); with `by`, the worst series' value. */
  value: number;
  /** The series for which the condition holds, each with its `by` labels (what Prometheus labels its alerts with). */
  series: AlertSeries[];
  /** When the condition started holding (pending or firing). */
  activeAt?: number;
  firingAt?: number;
  /** While firing under keepFiringFor: when the condition last stopped holding. */
  clearedAt?: number;
  lastEvaluatedAt?: number;
}

export interface AlertTransition {
  rule: string;
  from: AlertStateName;
  to: AlertStateName | 'resolved';
  value: number;
  at: number;
}

export interface AlertEngineEvents {
  transition: AlertTransition;
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
  intervalMs: 15_000,
  groupBy: ['severity'],
  repeatIntervalMs: 4 * 3_600_000,
  deliveryAttempts: 3,
};

function aggregate(samples: Sample[], how: AlertRule['aggregate']): number {
  if (samples.length === 0) return NaN;
  const values = samples.map((s) => s.value);
  switch (how) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** Prometheus equality matchers: a missing label matches the empty string. */
function matches(sample: Sample, match: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match)) if (String(sample.labels[k] ?? '') !== v) return false;
  return true;
}

/** Splits samples by their `by` labels, as PromQL's `aggregate by (...)` does. */
function groupBy(samples: Sample[], by: readonly string[]): Map<string, { labels: Record<string, string>; samples: Sample[] }> {
  const groups = new Map<string, { labels: Record<string, string>; samples: Sample[] }>();
  for (const sample of samples) {
    const labels: Record<string, string> = {};
    // A label missing (or empty) on a sample is absent from the group's labels, as in Prometheus.
    for (const l of by) {
      const v = String(sample.labels[l] ?? '');
      if (v !== '') labels[l] = v;
    }
    const key = JSON.stringify(by.map((l) => labels[l] ?? ''));
    const group = groups.get(key) ?? { labels, samples: [] };
    group.samples.push(sample);
    groups.set(key, group);
  }
  return groups;
}

/** The identity of a set of series (their labels), to notice when it changes. */
function seriesKey(series: AlertSeries[]): string {
  return series
    .map((s) => JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b))))
    .sort()
    .join('|');
}

function worstFirst(condition: AlertRule['condition']): (a: AlertSeries, b: AlertSeries) => number {
  return condition === '<' || condition === '<=' ? (a, b) => a.value - b.value : (a, b) => b.value - a.value;
}

interface Group {
  lastNotifiedAt: number;
}

export class AlertEngine implements EventSource<AlertEngineEvents> {
  private readonly states = new Map<string, AlertState>();
  /** Per rule and series, counter readings for rate(): [time, value]. */
  private readonly readings = new Map<string, Map<string, Array<[number, number]>>>();
  private readonly groups = new Map<string, Group>();
  private readonly events = new Emitter<AlertEngineEvents>();
  private readonly clock: Clock;
  private readonly source: MetricSource;
  readonly channels: NotificationChannel[];
  readonly history: AlertHistory;
  private readonly settings: typeof ALERT_ENGINE_DEFAULTS;
  private cancelTimer: (() => void) | undefined;
  private evaluating: Promise<AlertTransition[]> | undefined;
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
    if (!(this.settings.intervalMs > 0)) throw new RangeError(`alerts: intervalMs must be > 0, got ${this.settings.intervalMs}`);
    const attempts = this.settings.deliveryAttempts;
    if (!(Number.isInteger(attempts) && attempts >= 1)) throw new RangeError(`alerts: deliveryAttempts must be an integer >= 1, got ${attempts}`);
    // Every channel error is worth another try; waits of 250 ms, then 500 ms, ...
    this.delivery = retry({
      maxAttempts: attempts,
      backoff: backoff.exponential({ initialMs: 250, factor: 2, jitter: 'none' }),
      retryOn: () => true,
      rethrowLastError: true,
      clock: this.clock,
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
  evaluate(): Promise<AlertTransition[]> {
    this.evaluating ??= this.evaluateOnce().finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  /** One value per `by` group (a single unlabelled one without `by`); no entry when no series matched. */
  private async seriesOf(rule: AlertRule, now: number): Promise<AlertSeries[]> {
    const samples = (await this.source.read(rule.metric)).filter((s) => matches(s, rule.match));
    const out: AlertSeries[] = [];
    const byRule = this.readings.get(rule.name) ?? new Map<string, Array<[number, number]>>();
    if (rule.fn === 'rate') this.readings.set(rule.name, byRule);
    for (const [key, group] of groupBy(samples, rule.by)) {
      const value = aggregate(group.samples, rule.aggregate);
      if (rule.fn === 'value') {
        out.push({ labels: group.labels, value });
        continue;
      }
      const rate = this.rate(byRule, key, value, now, rule.rangeMs);
      if (Number.isFinite(rate)) out.push({ labels: group.labels, value: rate });
    }
    return out;
  }

  /** Per-second increase of a counter reading over `rangeMs`, from the readings kept under `key`. */
  private rate(byKey: Map<string, Array<[number, number]>>, key: string, value: number, now: number, rangeMs: number): number {
    const readings = byKey.get(key) ?? [];
    byKey.set(key, readings);
    if (Number.isFinite(value)) readings.push([now, value]);
    while (readings.length > 2 && readings[1]![0] <= now - rangeMs) readings.shift();
    if (readings.length < 2) return NaN;
    let increase = 0;
    for (let i = 1; i < readings.length; i++) {
      const delta = readings[i]![1] - readings[i - 1]![1];
      // A counter that went down was reset: count its new value as the increase.
      increase += delta >= 0 ? delta : readings[i]![1];
    }
    const seconds = (readings[readings.length - 1]![0] - readings[0]![0]) / 1_000;
    return seconds > 0 ? increase / seconds : NaN;
  }

  private async evaluateOnce(): Promise<AlertTransition[]> {
    const now = this.clock.now();
    const transitions: AlertTransition[] = [];
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
      state.value = value;
      state.lastEvaluatedAt = now;
      const holds = holding.length > 0;
      // While firing under keep_firing_for, the alert keeps the series it fired for.
      const seriesChanged = seriesKey(state.series) !== seriesKey(holding);
      if (holds || state.state !== 'firing') state.series = holding;
      const from = state.state;
      const move = (to: AlertStateName | 'resolved'): void => {
        transitions.push({ rule: rule.name, from, to, value, at: now });
      };
      if (holds) {
        state.clearedAt = undefined;
        if (from === 'inactive') {
          state.activeAt = now;
          state.state = rule.forMs === 0 ? 'firing' : 'pending';
          if (state.state === 'firing') state.firingAt = now;
          move(state.state);
        } else if (from === 'pending' && now - (state.activeAt ?? now) >= rule.forMs) {
          state.state = 'firing';
          state.firingAt = now;
          move('firing');
        }
        // A firing alert whose set of series changed is sent again: receivers learn which ones hold now.
        if (state.state === 'firing' && (from !== 'firing' || seriesChanged)) changed.push({ state, status: 'firing' });
      } else if (from === 'pending') {
        state.state = 'inactive';
        state.activeAt = undefined;
        move('inactive');
      } else if (from === 'firing') {
        state.clearedAt ??= now;
        if (now - state.clearedAt >= rule.keepFiringForMs) {
          changed.push({ state: { ...state }, status: 'resolved' });
          state.state = 'inactive';
          state.activeAt = state.firingAt = state.clearedAt = undefined;
          state.series = [];
          move('resolved');
        }
      }
    }
    for (const t of transitions) {
      this.events.emit('transition', t);
      const rule = this.states.get(t.rule)?.rule;
      await this.record({ at: t.at, rule: t.rule, event: t.to, severity: rule?.severity ?? 'warning', value: t.value });
    }
    await this.notify(changed, now);
    return transitions;
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
      annotations: rule.annotations,
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
