/**
 * Operator state: the halts and changes an operator makes over the API, made durable and restored
 * at start, each with who made it, why and when.
 *
 *   kill switch      key 'gate:kill'            value { reason }        kept while the gate is killed
 *   isolation        key 'breaker:<name>'       value { isolated: true } kept until released (or reset)
 *   alert rule       key 'alert-rule:<name>'    value { rule } | { deleted: true }  the rule as last set
 *   failover         key 'failover:<group>'     value ManualRouting     kept while anything is set by hand
 *
 * `restore()` applies what is stored: the gate is killed again, the breakers isolated again, and the
 * rules added, changed or removed as the operator left them, and each failover group's manual
 * routing (drained endpoints, a pin, a forced priority) put back with `restoreManual`. A resume of the kill switch made
 * elsewhere (a fleet command) is noticed through the gate's 'stateChange' event and forgotten here too.
 * Without a store every action still works and is remembered for this process only.
 */
import type { Unsubscribe } from '../core/events.js';
import { checkArray, checkInteger, checkNonEmptyString, checkObject } from '../core/option-checks.js';
import type { FailoverGroup, ManualRouting } from '../failover/types.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { AlertRule } from '../observe/alerts/rule.js';
import type { IsolationHandle } from '../policies/breaker/index.js';
import type { OperatorSettings } from '../storage/repos/operator-settings.js';
import type { ResumeResult, TradingGate } from '../trading/gate.js';
import { type BreakerDirectory, breakerName } from './components.js';

/** Who set something, why and when. */
export interface OperatorMark {
  actor: string;
  reason: string | null;
  at: number;
}

export interface OperatorStateOptions {
  /** Where the state is kept; memory only (this process) when omitted. */
  store?: OperatorSettings;
  gate?: TradingGate;
  breakers?: BreakerDirectory;
  alerts?: AlertEngine;
  /** Failover groups whose manual routing is kept (asked at `restore()` and at each change). */
  failover?: FailoverDirectory;
  /** Stamps marks when there is no store. */
  now?: () => number;
}

/** The failover groups the operator state keeps manual routing for (`components.failover` fits). */
export interface FailoverDirectory {
  groups(): ReadonlyArray<FailoverGroup<unknown>>;
}

export interface RestoredOperatorState {
  killed: OperatorMark | undefined;
  isolated: string[];
  rules: string[];
  /** Failover groups whose manual routing was put back, with what was set. */
  failover: Array<{ group: string; manual: ManualRouting; by: OperatorMark }>;
  /** Stored entries that could not be applied (a breaker no longer registered, a rule that no longer parses). */
  skipped: Array<{ key: string; why: string }>;
}

export const DEFAULT_ACTOR = 'operator'; // who acted when the request names nobody

const KILL = 'gate:kill';
const breakerKey = (name: string): string => `breaker:${name}`;
const ruleKey = (name: string): string => `alert-rule:${name}`;
const failoverKey = (group: string): string => `failover:${group}`;
const FAILOVER_PREFIX = 'failover:';

/** Nothing set by hand: no key is kept. */
const isAutomatic = (m: ManualRouting): boolean => m.drained.length === 0 && m.pinned === undefined && m.forcedPriority === undefined;

export class OperatorState {
  private readonly marks = new Map<string, OperatorMark>();
  private readonly held = new Map<string, IsolationHandle>();
  private readonly offGate: Unsubscribe | undefined;
  /** One write at a time per failover group, each reading the group's state when it runs (the last one wins with the latest). */
  private readonly failoverWrites = new Map<string, Promise<unknown>>();

  constructor(private readonly o: OperatorStateOptions = {}) {
    // A kill switch released by anyone (a fleet command, a script) is not restored later.
    this.offGate = o.gate?.on('stateChange', () => {
      if (!o.gate?.status.killed && this.marks.has(KILL)) void this.forget(KILL);
    });
  }

  /** Applies what the store holds; call once at start, before trading. */
  async restore(): Promise<RestoredOperatorState> {
    const report: RestoredOperatorState = { killed: undefined, isolated: [], rules: [], failover: [], skipped: [] };
    if (!this.o.store) return report;
    for (const setting of await this.o.store.list()) {
      const mark: OperatorMark = { actor: setting.actor, reason: setting.reason, at: setting.setAt };
      const value = (setting.value ?? {}) as { reason?: string; rule?: AlertRule; deleted?: boolean };
      try {
        if (setting.key === KILL && this.o.gate) {
          this.marks.set(KILL, mark);
          this.o.gate.kill(value.reason ?? setting.reason ?? 'kill switch (restored)', setting.actor);
          report.killed = mark;
        } else if (setting.key.startsWith('breaker:') && this.o.breakers) {
          const name = setting.key.slice('breaker:'.length);
          const breaker = this.o.breakers.breakers().find((b) => breakerName(b) === name);
          if (!breaker) throw new Error(`no breaker named "${name}" is registered`);
          if (!this.held.has(name)) this.held.set(name, breaker.isolate());
          this.marks.set(setting.key, mark);
          report.isolated.push(name);
        } else if (setting.key.startsWith('alert-rule:') && this.o.alerts) {
          const name = setting.key.slice('alert-rule:'.length);
          if (value.deleted) this.o.alerts.remove(name);
          else if (value.rule && this.o.alerts.get(name)) this.o.alerts.update(name, value.rule);
          else if (value.rule) this.o.alerts.add(value.rule);
          this.marks.set(setting.key, mark);
          report.rules.push(name);
        } else if (setting.key.startsWith(FAILOVER_PREFIX) && this.o.failover) {
          const name = setting.key.slice(FAILOVER_PREFIX.length);
          const group = this.failoverGroup(name);
          const manual = manualRouting(setting.value);
          group.restoreManual(manual, { reason: setting.reason ? `restored at start: ${setting.reason}` : 'restored at start', actor: setting.actor });
          this.marks.set(setting.key, mark);
          report.failover.push({ group: name, manual, by: mark });
        }
      } catch (error) {
        report.skipped.push({ key: setting.key, why: error instanceof Error ? error.message : String(error) });
      }
    }
    return report;
  }

  /** Who holds the kill switch, when the gate is killed through here. */
  killedBy(): OperatorMark | undefined {
    return this.marks.get(KILL);
  }

  async kill(reason: string, actor: string): Promise<OperatorMark> {
    const gate = this.required(this.o.gate, 'the trading gate');
    const mark = await this.remember(KILL, { reason }, actor, reason);
    gate.kill(reason, actor);
    return mark;
  }

  /** Releases the kill switch for good; the result says what still holds the gate (rule-raised conditions). */
  async resume(reason: string, actor: string): Promise<ResumeResult> {
    const gate = this.required(this.o.gate, 'the trading gate');
    await this.forget(KILL);
    return gate.resume(reason, actor);
  }

  isolatedBy(name: string): OperatorMark | undefined {
    return this.held.has(name) ? this.marks.get(breakerKey(name)) : undefined;
  }

  isIsolated(name: string): boolean {
    return this.held.has(name);
  }

  /** Holds the breaker isolated until `release()`; false when an operator already isolated it. */
  async isolate(name: string, actor: string, reason: string | null): Promise<boolean> {
    const breaker = this.breaker(name);
    if (this.held.has(name)) return false;
    await this.remember(breakerKey(name), { isolated: true }, actor, reason);
    this.held.set(name, breaker.isolate());
    return true;
  }

  /** Releases an isolation made here; false when there was none. */
  async release(name: string): Promise<boolean> {
    const handle = this.held.get(name);
    if (!handle) return false;
    await this.forget(breakerKey(name));
    handle.release();
    this.held.delete(name);
    return true;
  }

  ruleChangedBy(name: string): OperatorMark | undefined {
    return this.marks.get(ruleKey(name));
  }

  /** Records a rule as the operator left it (added or changed). */
  async ruleSet(rule: AlertRule, actor: string): Promise<OperatorMark> {
    return this.remember(ruleKey(rule.name), { rule }, actor, null);
  }

  /** Records a rule's removal, so a rule built into the service stays removed after a restart. */
  async ruleRemoved(name: string, actor: string): Promise<OperatorMark> {
    return this.remember(ruleKey(name), { deleted: true }, actor, null);
  }

  /** Who last set the group's manual routing, while anything is set by hand. */
  failoverChangedBy(group: string): OperatorMark | undefined {
    return this.marks.get(failoverKey(group));
  }

  /**
   * Keeps the group's manual routing as it is now (call after each manual change): stored while
   * anything is set by hand, forgotten once routing is automatic with nothing drained.
   */
  keepFailover(group: FailoverGroup<unknown>, actor: string, reason: string | null): Promise<OperatorMark | undefined> {
    const key = failoverKey(group.name);
    const write = async (): Promise<OperatorMark | undefined> => {
      const manual = group.manual();
      if (isAutomatic(manual)) {
        await this.forget(key);
        return undefined;
      }
      return this.remember(key, { drained: [...manual.drained], ...(manual.pinned !== undefined ? { pinned: manual.pinned } : {}), ...(manual.forcedPriority !== undefined ? { forcedPriority: manual.forcedPriority } : {}) }, actor, reason);
    };
    const next = (this.failoverWrites.get(key) ?? Promise.resolve()).then(write, write);
    const settled = next.catch(() => undefined);
    this.failoverWrites.set(key, settled);
    void settled.then(() => {
      if (this.failoverWrites.get(key) === settled) this.failoverWrites.delete(key);
    });
    return next;
  }

  close(): void {
    this.offGate?.();
  }

  private failoverGroup(name: string): FailoverGroup<unknown> {
    const group = this.required(this.o.failover, 'failover groups').groups().find((g) => g.name === name);
    if (!group) throw new RangeError(`no failover group named "${name}"`);
    return group;
  }

  private breaker(name: string) {
    const breaker = this.required(this.o.breakers, 'circuit breakers').breakers().find((b) => breakerName(b) === name);
    if (!breaker) throw new RangeError(`no breaker named "${name}"`);
    return breaker;
  }

  private required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`operator state: ${what} is not configured`);
    return value;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async remember(key: string, value: unknown, actor: string, reason: string | null): Promise<OperatorMark> {
    const mark: OperatorMark = this.o.store
      ? await this.o.store.put(key, value, { actor, reason }).then((s) => ({ actor: s.actor, reason: s.reason, at: s.setAt }))
      : { actor, reason, at: this.now() };
    this.marks.set(key, mark);
    return mark;
  }

  private async forget(key: string): Promise<void> {
    this.marks.delete(key);
    await this.o.store?.remove(key);
  }
}

/** A stored manual routing, checked whole before any of it is applied: a row edited by hand is refused naming the field. */
function manualRouting(value: unknown): ManualRouting {
  const where = 'stored failover routing';
  checkObject(where, 'value', value, "like { drained: ['api2'] }");
  const v = value as Partial<Record<keyof ManualRouting, unknown>>;
  checkArray(where, 'drained', v.drained, 0, 'of endpoint names');
  v.drained.forEach((name, i) => checkNonEmptyString(where, `drained[${i}]`, name));
  if (v.pinned !== undefined) checkNonEmptyString(where, 'pinned', v.pinned);
  if (v.forcedPriority !== undefined) checkInteger(where, 'forcedPriority', v.forcedPriority as number, 0);
  return { drained: v.drained as string[], ...(v.pinned !== undefined ? { pinned: v.pinned } : {}), ...(v.forcedPriority !== undefined ? { forcedPriority: v.forcedPriority as number } : {}) };
}

export function operatorState(options: OperatorStateOptions = {}): OperatorState {
  return new OperatorState(options);
}
