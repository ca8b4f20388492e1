/**
 * The health registry: named checks with timeouts, background intervals (results cached between
 * runs), criticality, tags and dependencies. A check whose dependency is down is not run; it is
 * reported `affected`, naming the check(s) at the root of the cascade.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkFunction, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import { sanitizeText } from '../core/secrets.js';
import { deadlinesOf } from '../core/timers.js';
import {
  type CheckOutcome,
  type CheckReport,
  type HealthCheckDefinition,
  type HealthReport,
  type HealthStatus,
  type ReportedStatus,
  worse,
} from './types.js';

export interface HealthRegistryOptions {
  clock?: Clock;
  /** Timeout of a check that sets none. */
  defaultTimeoutMs?: number;
  /** Background period (and cache lifetime) of a check that sets none. */
  defaultIntervalMs?: number;
}

export const HEALTH_REGISTRY_DEFAULTS = {
  defaultTimeoutMs: 5_000, // a dependency slower than 5 s is unhealthy for a trading system anyway
  defaultIntervalMs: 30_000, // fresh enough for a probe every 10-30 s without hammering dependencies
} as const;

/** One check's reported status changed (from `unknown` on its first result). */
export interface CheckStateChange {
  scope: 'check';
  name: string;
  from: ReportedStatus;
  to: ReportedStatus;
  report: CheckReport;
}

/** The overall status changed. */
export interface OverallStateChange {
  scope: 'overall';
  from: HealthStatus;
  to: HealthStatus;
  report: HealthReport;
}

export interface HealthEvents {
  /** A status changed: one check's (`scope: 'check'`) or the overall one (`scope: 'overall'`). */
  stateChange: CheckStateChange | OverallStateChange;
}

export interface CheckOptions {
  /** Run every selected check now instead of using cached results. */
  fresh?: boolean;
  /** Only checks carrying at least one of these tags (and what they depend on, to judge cascades). */
  tags?: readonly string[];
}

interface Entry {
  def: Required<Pick<HealthCheckDefinition, 'timeoutMs' | 'intervalMs' | 'critical' | 'group' | 'weight' | 'component' | 'measurement'>> &
    HealthCheckDefinition & { tags: readonly string[]; dependsOn: readonly string[] };
  result: { outcome: CheckOutcome; at: number; durationMs: number } | undefined;
  running: Promise<void> | undefined;
  timer: CancelTimer | undefined;
}

function positive(component: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  checkNumber(component, option, value, 0, Infinity, true);
  return value;
}

/** A check's raw return value (or throw) as an outcome. */
export function toOutcome(value: unknown): CheckOutcome {
  if (value === true) return { status: 'up' };
  if (value === false) return { status: 'down' };
  if (typeof value === 'object' && value !== null && 'status' in value) {
    const { status, message, details } = value as CheckOutcome;
    if (status === 'up' || status === 'degraded' || status === 'down' || status === 'unknown') {
      return { status, ...(message === undefined ? {} : { message: sanitizeText(String(message)) }), ...(details === undefined ? {} : { details }) };
    }
    return { status: 'down', message: `check returned an invalid status: ${String(status)}` };
  }
  return { status: 'down', message: `check returned ${typeof value}; expected a boolean or { status }` };
}

export class HealthRegistry implements EventSource<HealthEvents> {
  private readonly clock: Clock;
  private readonly defaultTimeoutMs: number;
  private readonly defaultIntervalMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly events = new Emitter<HealthEvents>();
  private readonly lastStatus = new Map<string, ReportedStatus>();
  private lastOverall: HealthStatus = 'unknown';
  private started = false;

  constructor(options: HealthRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.defaultTimeoutMs = positive('healthRegistry', 'defaultTimeoutMs', options.defaultTimeoutMs, HEALTH_REGISTRY_DEFAULTS.defaultTimeoutMs);
    this.defaultIntervalMs = positive('healthRegistry', 'defaultIntervalMs', options.defaultIntervalMs, HEALTH_REGISTRY_DEFAULTS.defaultIntervalMs);
  }

  on<K extends keyof HealthEvents & string>(name: K, listener: Listener<HealthEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Adds a check; returns a function that removes it. */
  register(definition: HealthCheckDefinition): Unsubscribe {
    const { name } = definition;
    checkNonEmptyString('healthRegistry.register', 'name', name);
    const where = `healthRegistry.register "${name}"`;
    checkFunction(where, 'check', definition.check);
    if (this.entries.has(name)) throw new Error(`health check "${name}" is already registered`);
    const dependsOn = [...(definition.dependsOn ?? [])];
    if (dependsOn.includes(name)) throw new Error(`health check "${name}" cannot depend on itself`);
    const weight = definition.weight ?? 1;
    checkNumber(where, 'weight', weight, 0);
    const entry: Entry = {
      def: {
        ...definition,
        timeoutMs: positive(where, 'timeoutMs', definition.timeoutMs, this.defaultTimeoutMs),
        intervalMs: positive(where, 'intervalMs', definition.intervalMs, this.defaultIntervalMs),
        critical: definition.critical ?? true,
        group: definition.group ?? 'services',
        weight,
        component: definition.component ?? name,
        measurement: definition.measurement ?? 'status',
        tags: [...(definition.tags ?? [])],
        dependsOn,
      },
      result: undefined,
      running: undefined,
      timer: undefined,
    };
    this.entries.set(name, entry);
    const cycle = this.findCycle(name);
    if (cycle) {
      this.entries.delete(name);
      throw new Error(`health check "${name}" would close a dependency cycle: ${cycle.join(' -> ')}`);
    }
    if (this.started) this.schedule(entry, 0);
    return () => this.unregister(name);
  }

  unregister(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.timer?.();
    this.entries.delete(name);
    this.lastStatus.delete(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Runs one check now (ignoring its cache and its dependencies) and returns its outcome. */
  async run(name: string): Promise<CheckOutcome> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`no health check named "${name}"`);
    await this.execute(entry);
    return entry.result!.outcome;
  }

  /**
   * The current report. Checks run in dependency order; a cached result younger than the check's
   * interval is reused unless `fresh`; a check whose dependency is down is not run at all.
   */
  async check(options: CheckOptions = {}): Promise<HealthReport> {
    const selected = this.select(options.tags);
    const order = this.topological(selected);
    const reports = new Map<string, CheckReport>();
    for (const name of order) {
      const entry = this.entries.get(name);
      if (!entry) continue;
      if (this.cascade(entry, reports) === undefined) {
        const stale = entry.result === undefined || this.clock.now() - entry.result.at >= entry.def.intervalMs;
        if (options.fresh || stale) await this.execute(entry);
      }
      reports.set(name, this.reportOf(entry, reports));
    }
    return this.publish(order.filter((n) => options.tags === undefined || this.hasTag(n, options.tags)), reports);
  }

  /** Starts background runs: each check at once, then every `intervalMs`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries.values()) this.schedule(entry, 0);
  }

  stop(): void {
    this.started = false;
    for (const entry of this.entries.values()) {
      entry.timer?.();
      entry.timer = undefined;
    }
  }

  private schedule(entry: Entry, delay: number): void {
    entry.timer = setTimerOn(this.clock, delay, () => {
      entry.timer = undefined;
      void this.execute(entry).then(() => {
        if (!this.started || this.entries.get(entry.def.name) !== entry) return;
        this.schedule(entry, entry.def.intervalMs);
        this.refreshFromCache();
      });
    });
  }

  /** Re-assembles the report from cached results only, so listeners hear about background changes. */
  private refreshFromCache(): void {
    const order = this.topological([...this.entries.keys()]);
    const reports = new Map<string, CheckReport>();
    for (const name of order) {
      const entry = this.entries.get(name);
      if (entry) reports.set(name, this.reportOf(entry, reports));
    }
    this.publish(order, reports);
  }

  private execute(entry: Entry): Promise<void> {
    if (entry.running) return entry.running;
    const running = this.runOnce(entry).finally(() => {
      entry.running = undefined;
    });
    entry.running = running;
    return running;
  }

  private async runOnce(entry: Entry): Promise<void> {
    const { timeoutMs, check } = entry.def;
    const started = this.clock.now();
    const controller = new AbortController();
    let cancel: (() => void) | undefined;
    const timedOut = new Promise<CheckOutcome>((resolve) => {
      const deadline = deadlinesOf(this.clock).add(timeoutMs, () => {
        controller.abort(new TimeoutError(timeoutMs));
        resolve({ status: 'down', message: `timed out after ${timeoutMs} ms` });
      });
      cancel = () => deadline.cancel();
    });
    const ran = (async (): Promise<CheckOutcome> => {
      try {
        return toOutcome(await check({ signal: controller.signal }));
      } catch (error) {
        return { status: 'down', message: sanitizeText(error instanceof Error ? error.message : String(error)) };
      }
    })();
    const outcome = await Promise.race([ran, timedOut]);
    cancel?.();
    entry.result = { outcome, at: this.clock.now(), durationMs: this.clock.now() - started };
  }

  /** When a dependency is down (or itself affected), the root checks to blame; else undefined. */
  private cascade(entry: Entry, reports: Map<string, CheckReport>): string[] | undefined {
    const roots = new Set<string>();
    for (const dep of entry.def.dependsOn) {
      const report = reports.get(dep);
      if (!report) continue;
      if (report.status === 'down') roots.add(dep);
      else if (report.status === 'affected') for (const root of report.cause ?? []) roots.add(root);
    }
    return roots.size > 0 ? [...roots].sort() : undefined;
  }

  private reportOf(entry: Entry, reports: Map<string, CheckReport>): CheckReport {
    const { def, result } = entry;
    const cause = this.cascade(entry, reports);
    const missing = def.dependsOn.filter((d) => !this.entries.has(d));
    const own: CheckOutcome = missing.length > 0 && !result
      ? { status: 'unknown', message: `depends on unregistered check(s): ${missing.join(', ')}` }
      : (result?.outcome ?? { status: 'unknown', message: 'not run yet' });
    const base = {
      name: def.name,
      ownStatus: own.status,
      critical: def.critical,
      group: def.group,
      weight: def.weight,
      tags: def.tags,
      component: def.component,
      measurement: def.measurement,
      checkedAt: result?.at,
      durationMs: result?.durationMs,
      ...(own.details === undefined ? {} : { details: own.details }),
    };
    if (cause) {
      const verb = cause.length === 1 ? 'is' : 'are';
      return { ...base, status: 'affected', cause, message: `affected: depends on ${cause.map((c) => `"${c}"`).join(', ')}, which ${verb} down` };
    }
    return { ...base, status: own.status, ...(own.message === undefined ? {} : { message: own.message }) };
  }

  private publish(names: string[], reports: Map<string, CheckReport>): HealthReport {
    const checks: CheckReport[] = [];
    let status: HealthStatus = 'unknown';
    for (const name of names) {
      const report = reports.get(name);
      if (!report) continue;
      checks.push(report);
      const impact: HealthStatus =
        report.status === 'down' || report.status === 'affected' ? (report.critical ? 'down' : 'degraded') : report.status;
      status = worse(status, impact);
    }
    const report: HealthReport = { status, checks, at: this.clock.now() };
    for (const check of checks) {
      const from = this.lastStatus.get(check.name) ?? 'unknown';
      this.lastStatus.set(check.name, check.status);
      if (from !== check.status) this.events.emit('stateChange', { scope: 'check', name: check.name, from, to: check.status, report: check });
    }
    if (names.length === this.entries.size && status !== this.lastOverall) {
      const from = this.lastOverall;
      this.lastOverall = status;
      this.events.emit('stateChange', { scope: 'overall', from, to: status, report });
    }
    return report;
  }

  private hasTag(name: string, tags: readonly string[]): boolean {
    return this.entries.get(name)?.def.tags.some((t) => tags.includes(t)) ?? false;
  }

  /** The selected checks plus, transitively, everything they depend on. */
  private select(tags: readonly string[] | undefined): string[] {
    if (tags === undefined) return [...this.entries.keys()];
    const out = new Set<string>();
    const visit = (name: string): void => {
      if (out.has(name) || !this.entries.has(name)) return;
      out.add(name);
      for (const dep of this.entries.get(name)!.def.dependsOn) visit(dep);
    };
    for (const name of this.entries.keys()) if (this.hasTag(name, tags)) visit(name);
    return [...out];
  }

  /** Dependencies before dependents; registration order otherwise. */
  private topological(names: string[]): string[] {
    const wanted = new Set(names);
    const done = new Set<string>();
    const out: string[] = [];
    const visit = (name: string): void => {
      if (done.has(name) || !wanted.has(name)) return;
      done.add(name);
      for (const dep of this.entries.get(name)?.def.dependsOn ?? []) visit(dep);
      out.push(name);
    };
    for (const name of names) visit(name);
    return out;
  }

  private findCycle(start: string): string[] | undefined {
    const path: string[] = [];
    const visit = (name: string): string[] | undefined => {
      if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
      const entry = this.entries.get(name);
      if (!entry) return undefined;
      path.push(name);
      for (const dep of entry.def.dependsOn) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
      path.pop();
      return undefined;
    };
    return visit(start);
  }
}

/** A new, empty health registry. */
export function healthRegistry(options?: HealthRegistryOptions): HealthRegistry {
  return new HealthRegistry(options);
}
