/**
 * Operator state: the halts and changes an operator makes over the API, made durable and restored
 * at start, each with who made it, why and when.
 *
 *   kill switch      key 'gate:kill'            value { reason }        kept while the gate is killed
 *   isolation        key 'breaker:<name>'       value { isolated: true } kept until released (or reset)
 *   alert rule       key 'alert-rule:<name>'    value { rule } | { deleted: true }  the rule as last set
 *
 * `restore()` applies what is stored: the gate is killed again, the breakers isolated again, and the
 * rules added, changed or removed as the operator left them. A resume of the kill switch made
 * elsewhere (a fleet command) is noticed through the gate's 'stateChange' event and forgotten here too.
 * Without a store every action still works and is remembered for this process only.
 */
import type { Unsubscribe } from '../core/events.js';
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
  /** Stamps marks when there is no store. */
  now?: () => number;
}

export interface RestoredOperatorState {
  killed: OperatorMark | undefined;
  isolated: string[];
  rules: string[];
  /** Stored entries that could not be applied (a breaker no longer registered, a rule that no longer parses). */
  skipped: Array<{ key: string; why: string }>;
}

export const DEFAULT_ACTOR = 'operator'; // who acted when the request names nobody

const KILL = 'gate:kill';
const breakerKey = (name: string): string => `breaker:${name}`;
const ruleKey = (name: string): string => `alert-rule:${name}`;

export class OperatorState {
  private readonly marks = new Map<string, OperatorMark>();
  private readonly held = new Map<string, IsolationHandle>();
  private readonly offGate: Unsubscribe | undefined;

  constructor(private readonly o: OperatorStateOptions = {}) {
    // A kill switch released by anyone (a fleet command, a script) is not restored later.
    this.offGate = o.gate?.on('stateChange', () => {
      if (!o.gate?.status.killed && this.marks.has(KILL)) void this.forget(KILL);
    });
  }

  /** Applies what the store holds; call once at start, before trading. */
  async restore(): Promise<RestoredOperatorState> {
    const report: RestoredOperatorState = { killed: undefined, isolated: [], rules: [], skipped: [] };
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

  close(): void {
    this.offGate?.();
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

export function operatorState(options: OperatorStateOptions = {}): OperatorState {
  return new OperatorState(options);
}
