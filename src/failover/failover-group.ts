/**
 * failoverGroup(): a set of endpoints serving the same thing, routed by strategy and health.
 *
 * How the parts fit: each endpoint's record holds flags set by one part each (outlier detection
 * ejects, active health marks unhealthy, the operator drains, slow start warms); its state is
 * derived from them. Whenever a state or the operator's settings change, the routing plan is
 * worked out again (routing-plan.ts) and handed to the strategy's picker; `pick()` then only asks
 * the picker. Time-driven changes (an ejection ending, an interval ending, slow start progressing)
 * happen on a timer once `start()` was called, and lazily on the next record or snapshot (and,
 * before `start()`, the next pick), dated when they were due. On the system clock the group's
 * and its health checks' timers are unref'd: a started group never keeps a process alive. A pick
 * reads no clock unless the group is not started and something is due; p2c ages latencies to the
 * latest reading.
 */
import { setTimerOn, type CancelTimer, type Clock } from '../core/clock.js';
import { checkNumber, checkOneOf } from '../core/option-checks.js';
import { Emitter } from '../core/events.js';
import { EndpointRecord, endpointSnapshot } from './endpoint-record.js';
import { ManualControl } from './manual-control.js';
import { routingChangeBetween } from './routing-change.js';
import { NoEndpointError } from './errors.js';
import { HealthChecker } from './health-checker.js';
import { ChangeHistory } from './history.js';
import { type FailoverGroupOptions, resolveFailoverOptions, type ResolvedFailoverOptions } from './options.js';
import { OutlierDetector } from './outlier-detector.js';
import { P2cPicker, observeLatency } from './pickers/p2c.js';
import type { Picker } from './pickers/picker.js';
import { PriorityPicker } from './pickers/priority.js';
import { RoundRobinPicker } from './pickers/round-robin.js';
import { WeightedPicker } from './pickers/smooth-weighted.js';
import { planRouting, type RoutingPlan } from './routing-plan.js';
import { SlowStart } from './slow-start.js';
import type {
  CallOutcome,
  EndpointChangeReason,
  EndpointState,
  FailoverChange,
  FailoverGroup,
  FailoverGroupEvents,
  FailoverGroupSnapshot,
  FailoverStrategy,
  ManualChange,
  ManualRouting,
  PickedEndpoint,
} from './types.js';

const OUTCOMES: readonly CallOutcome[] = ['success', 'gateway', 'failure', 'neutral'];

function pickerFor<T>(options: ResolvedFailoverOptions<T>): Picker<T> {
  switch (options.strategy) {
    case 'roundRobin':
      return new RoundRobinPicker<T>();
    case 'weighted':
      return new WeightedPicker<T>(options.random);
    case 'p2c':
      return new P2cPicker<T>(options.random, options.latencyDecayMs);
    case 'priority':
      return new PriorityPicker<T>(options.random);
  }
}

class Group<T> extends Emitter<FailoverGroupEvents> implements FailoverGroup<T> {
  readonly name: string;
  readonly strategy: FailoverStrategy;
  readonly clock: Clock;
  /** How errors name the group: `failoverGroup "venue"`. */
  private readonly where: string;
  private readonly options: ResolvedFailoverOptions<T>;
  private readonly records: Array<EndpointRecord<T>>;
  private readonly byName = new Map<string, EndpointRecord<T>>();
  private readonly picker: Picker<T>;
  private readonly history_: ChangeHistory;
  private readonly outliers: OutlierDetector<T> | undefined;
  private readonly slowStart: SlowStart<T> | undefined;
  private readonly health: HealthChecker<T> | undefined;
  private plan: RoutingPlan<T>;
  private readonly control: ManualControl<T>;
  /** When an unstarted group's pick() must look at the clock: an ejection ends or slow start moves on (Infinity: nothing due). */
  private pickDueAt = Infinity;
  /** When record() must look for due work: the above or the end of an outlier interval. */
  private dueAt = Infinity;
  /**
   * The latest clock reading (from record(), snapshot() or a due pick): what p2c ages latencies
   * to. Under traffic it trails the clock by at most one call's duration, and a pick does not pay
   * for a clock read (Date.now() alone costs 70-140 ns on a loaded virtual machine).
   */
  private lastNow: number;
  private started = false;
  private timer: { at: number; cancel: CancelTimer } | undefined;
  /** Picks since the share interval began (the snapshot's `share`). */
  private picks = 0;
  private shareIntervalEnd: number;

  constructor(options: FailoverGroupOptions<T>) {
    super();
    const o = resolveFailoverOptions(options);
    this.options = o;
    this.name = o.name;
    this.where = `failoverGroup "${o.name}"`;
    this.strategy = o.strategy;
    this.clock = o.clock;
    const now = o.clock.now();
    this.records = o.endpoints.map((spec, i) => new EndpointRecord(spec, i, now));
    for (const r of this.records) this.byName.set(r.name, r);
    this.control = new ManualControl(this.where, this.records);
    this.picker = pickerFor(o);
    this.lastNow = now;
    this.history_ = new ChangeHistory(o.historySize);
    this.shareIntervalEnd = now + (o.outlierDetection?.intervalMs ?? 10_000);
    this.outliers =
      o.outlierDetection &&
      new OutlierDetector(
        o.outlierDetection,
        this.records,
        {
          eject: (e, reason, detail, until) => {
            e.ejectedUntil = until;
            this.changed(e, reason, detail);
          },
          release: (e) => {
            const at = e.ejectedUntil;
            e.ejectedUntil = 0;
            this.changed(e, 'ejection-over', `ejection ${e.ejections} over`, undefined, at);
          },
        },
        o.random,
        now,
      );
    this.slowStart = o.slowStart && new SlowStart(o.slowStart);
    this.health =
      o.healthCheck &&
      new HealthChecker(o.healthCheck, this.records, o.clock, o.random, o.outlierDetection?.unejectOnHealthCheck ?? false, (e, verdict, detail) => {
        e.unhealthy = verdict.unhealthy;
        // Back to service as after its ejection time: slow start, and the count of ejections kept for the backoff.
        if (verdict.endsEjection) this.outliers?.endEarly(e, this.clock.now());
        this.changed(e, verdict.unhealthy ? 'health-check-failed' : 'health-check-passed', detail);
      });
    this.plan = this.computePlan();
    this.picker.reset(this.plan);
    this.schedule();
  }

  // ---- Routing --------------------------------------------------------------------------------

  pick(exclude?: ReadonlySet<string>): PickedEndpoint<T> {
    let now = this.lastNow;
    // Once started, the timer does what time makes due; before, the next pick notices it.
    if (this.pickDueAt !== Infinity && !this.started) {
      now = this.clock.now();
      this.lastNow = now;
      if (now >= this.pickDueAt) this.due(now);
    }
    const plan = this.plan;
    if (plan.all.length === 0) throw this.noEndpoint();
    let chosen: EndpointRecord<T>;
    if (exclude === undefined || exclude.size === 0) chosen = this.picker.pick(now);
    else chosen = this.pickExcluding(plan, exclude, now);
    chosen.inFlight++;
    chosen.picks++;
    this.picks++;
    return chosen;
  }

  private pickExcluding(plan: RoutingPlan<T>, exclude: ReadonlySet<string>, now: number): EndpointRecord<T> {
    const preferred = plan.all.filter((e) => !exclude.has(e.name));
    if (preferred.length > 0) return this.picker.pickAmong(preferred, now);
    const fallback = plan.fallback.filter((e) => !exclude.has(e.name));
    if (fallback.length > 0) return this.picker.pickAmong(fallback, now);
    // Every endpoint was tried: the plan's choice again, rather than no call at all.
    return this.picker.pick(now);
  }

  private noEndpoint(): NoEndpointError {
    if (this.control.forcedPriority !== undefined) {
      return new NoEndpointError(this.name, `failover group "${this.name}" has no endpoint to route to: every endpoint of the forced priority ${this.control.forcedPriority} is drained`);
    }
    if (this.records.some((e) => e.state !== 'drained')) {
      return new NoEndpointError(this.name, `failover group "${this.name}" has no endpoint to route to: none is routable and panic is off (panicThreshold 0)`);
    }
    return new NoEndpointError(this.name);
  }

  private recordOf(endpoint: PickedEndpoint<T>): EndpointRecord<T> {
    if (endpoint instanceof EndpointRecord && this.records[endpoint.index] === endpoint) return endpoint as EndpointRecord<T>;
    const found = typeof endpoint === 'object' && endpoint !== null ? this.byName.get(endpoint.name) : undefined;
    if (found === undefined) throw new RangeError(`${this.where}: endpoint must be one returned by pick(), got ${String((endpoint as { name?: unknown } | null)?.name ?? endpoint)}`);
    return found;
  }

  record(endpoint: PickedEndpoint<T>, outcome: CallOutcome, latencyMs: number): void {
    const e = this.recordOf(endpoint);
    // Checked without building a message unless it is wrong: record() runs once per call.
    if (outcome !== 'success' && outcome !== 'gateway' && outcome !== 'failure' && outcome !== 'neutral') checkOneOf(this.where, 'outcome', outcome, OUTCOMES);
    if (!(latencyMs >= 0 && latencyMs < Infinity)) checkNumber(this.where, 'latencyMs', latencyMs, 0);
    if (e.inFlight > 0) e.inFlight--;
    const now = this.clock.now();
    this.lastNow = now;
    // An aborted call's duration says nothing about the endpoint.
    if (outcome !== 'neutral') observeLatency(e, latencyMs, now, this.options.latencyDecayMs);
    if (now >= this.dueAt) this.due(now);
    this.outliers?.onOutcome(e, outcome, now);
    // Metrics count calls by outcome (observe/failover-metrics.ts); nothing is built when nobody listens.
    if (this.has('call')) this.emit('call', { group: this.name, endpoint: e.name, outcome, latencyMs, at: now });
  }

  async execute<R>(fn: (target: T, endpoint: PickedEndpoint<T>) => Promise<R>, options?: { exclude?: ReadonlySet<string> }): Promise<R> {
    const endpoint = this.pick(options?.exclude);
    const started = this.clock.now();
    let result: R;
    try {
      result = await fn(endpoint.target, endpoint);
    } catch (error) {
      let outcome: CallOutcome;
      try {
        outcome = this.options.classify(error);
      } catch {
        // A throwing classifier must not hide the call's own error.
        outcome = 'failure';
      }
      this.record(endpoint, OUTCOMES.includes(outcome) ? outcome : 'failure', Math.max(0, this.clock.now() - started));
      throw error;
    }
    this.record(endpoint, 'success', Math.max(0, this.clock.now() - started));
    return result;
  }

  // ---- State changes --------------------------------------------------------------------------

  /**
   * Re-derives an endpoint's state after a flag changed; records and announces a change. `now` is
   * when it happened: a time-driven change noticed late (no timer, no call for a while) is dated
   * when it was due, not when it was noticed.
   */
  private changed(e: EndpointRecord<T>, reason: EndpointChangeReason, detail: string, actor?: string, now = this.clock.now()): void {
    const from = e.state;
    if (this.slowStart && !e.routable) {
      const next = e.derivedState(now);
      if (next === 'healthy' || next === 'warming') {
        // Back in service after being out: its share ramps up from the start of the window again.
        e.warmingSince = now;
        this.slowStart.refresh(e, now);
      }
    }
    const to: EndpointState = e.derivedState(now);
    if (to === from) return;
    e.state = to;
    e.since = now;
    const change = { kind: 'endpoint' as const, group: this.name, endpoint: e.name, from, to, reason, detail, ...(actor === undefined ? {} : { actor }), at: now };
    this.history_.add(change);
    this.emit('stateChange', change);
    this.replan();
  }

  private computePlan(): RoutingPlan<T> {
    return planRouting({
      endpoints: this.records,
      strategy: this.strategy,
      overprovisioningFactor: this.options.overprovisioningFactor,
      panicThreshold: this.options.panicThreshold,
      pinned: this.control.pinned,
      forcedPriority: this.control.forcedPriority,
    });
  }

  /**
   * Works the plan out again and announces a routing change: the mode moved (panic, or the
   * operator's `manual` change), or, for strategy `priority`, the active level did.
   */
  private replan(manual?: ManualChange): void {
    const before = this.plan;
    const plan = this.computePlan();
    this.plan = plan;
    this.picker.reset(plan);
    this.schedule();
    const found = routingChangeBetween(before, plan, this.strategy, this.options.panicThreshold, manual);
    if (found === undefined) return;
    const now = this.clock.now();
    const change = {
      kind: 'routing' as const,
      group: this.name,
      from: before.mode,
      to: plan.mode,
      activePriority: plan.activePriority,
      reason: found.reason,
      detail: found.detail,
      ...(manual?.actor === undefined ? {} : { actor: manual.actor }),
      at: now,
    };
    this.history_.add(change);
    this.emit('routingChange', change);
  }

  // ---- Time -----------------------------------------------------------------------------------

  /** Does what time made due: ejections ending, intervals ending, slow start moving on. */
  private due(now: number): void {
    this.outliers?.due(now);
    if (this.slowStart && this.records.some((e) => e.warmingSince !== -Infinity)) {
      for (const e of this.records) {
        if (e.warmingSince === -Infinity) continue;
        if (this.slowStart.refresh(e, now)) {
          const at = e.warmingSince + this.slowStart.windowMs;
          e.warmingSince = -Infinity;
          this.changed(e, 'slow-start-over', `full share again after ${this.slowStart.windowMs} ms of slow start`, undefined, at);
        }
      }
      this.picker.reset(this.plan);
    }
    if (now >= this.shareIntervalEnd) {
      for (const e of this.records) {
        e.lastShare = this.picks === 0 ? 0 : e.picks / this.picks;
        e.picks = 0;
      }
      this.picks = 0;
      const interval = this.options.outlierDetection?.intervalMs ?? 10_000;
      this.shareIntervalEnd += (Math.floor((now - this.shareIntervalEnd) / interval) + 1) * interval;
    }
    this.schedule();
  }

  /** Works out when something is next due and, once started, sets the timer for it. */
  private schedule(): void {
    let pickDue = this.outliers?.nextRelease() ?? Infinity;
    if (this.slowStart) for (const e of this.records) if (e.warmingSince !== -Infinity) pickDue = Math.min(pickDue, this.slowStart.nextRefresh(e, this.clock.now()));
    this.pickDueAt = pickDue;
    this.dueAt = Math.min(pickDue, this.outliers?.intervalEnd ?? Infinity, this.shareIntervalEnd);
    if (!this.started) return;
    if (this.timer !== undefined && this.timer.at <= this.dueAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.dueAt === Infinity) return;
    const at = this.dueAt;
    // Upkeep nobody waits on: with nothing else keeping the process alive there are no calls to route.
    const cancel = setTimerOn(
      this.clock,
      Math.max(0, at - this.clock.now()),
      () => {
        this.timer = undefined;
        this.due(this.clock.now());
      },
      { unref: true },
    );
    this.timer = { at, cancel };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
    this.health?.start();
  }

  stop(): void {
    this.started = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.health?.stop();
  }

  // ---- Manual control -------------------------------------------------------------------------

  drain(endpoint: string, change: ManualChange): void {
    this.control.checkChange(change);
    const e = this.control.drainable(endpoint);
    if (e.drained) return;
    e.drained = true;
    this.changed(e, 'operator', change.reason, change.actor);
  }

  undrain(endpoint: string, change: ManualChange): void {
    this.control.checkChange(change);
    const e = this.control.endpointNamed(endpoint);
    if (!e.drained) return;
    e.drained = false;
    this.changed(e, 'operator', change.reason, change.actor);
  }

  pin(endpoint: string, change: ManualChange): void {
    this.control.checkChange(change);
    const e = this.control.pinnable(endpoint);
    if (this.control.pinned === e) return;
    this.control.pinned = e;
    this.control.forcedPriority = undefined;
    this.replan(change);
  }

  forcePriority(priority: number, change: ManualChange): void {
    this.control.checkChange(change);
    this.control.checkPriority(priority);
    if (this.control.forcedPriority === priority && this.control.pinned === undefined) return;
    this.control.forcedPriority = priority;
    this.control.pinned = undefined;
    this.replan(change);
  }

  automatic(change: ManualChange): void {
    this.control.checkChange(change);
    if (this.control.pinned === undefined && this.control.forcedPriority === undefined) return;
    this.control.pinned = undefined;
    this.control.forcedPriority = undefined;
    this.replan(change);
  }

  manual(): ManualRouting {
    return this.control.routing();
  }

  restoreManual(state: ManualRouting, change: ManualChange): void {
    this.control.checkChange(change);
    const drained = this.control.checkRestore(state);
    // A pin on an endpoint about to be drained ends first.
    if (this.control.pinned !== undefined && drained.has(this.control.pinned)) this.automatic(change);
    for (const e of this.records) {
      if (drained.has(e) === e.drained) continue;
      e.drained = drained.has(e);
      this.changed(e, 'operator', change.reason, change.actor);
    }
    if (state.pinned !== undefined) this.pin(state.pinned, change);
    else if (state.forcedPriority !== undefined) this.forcePriority(state.forcedPriority, change);
    else this.automatic(change);
  }

  // ---- Reading --------------------------------------------------------------------------------

  snapshot(): FailoverGroupSnapshot {
    const now = this.clock.now();
    this.lastNow = now;
    if (now >= this.dueAt) this.due(now);
    const plan = this.plan;
    const endpoints = this.records.map(endpointSnapshot);
    return { name: this.name, strategy: this.strategy, mode: plan.mode, activePriority: plan.activePriority, routableShare: plan.routableShare, manual: this.manual(), endpoints };
  }

  history(): FailoverChange[] {
    return this.history_.list();
  }
}

/**
 * A failover group over `options.endpoints`. Throws a TypeError or RangeError naming the option
 * and the value when an option is invalid.
 */
export function failoverGroup<T>(options: FailoverGroupOptions<T>): FailoverGroup<T> {
  return new Group(options);
}
