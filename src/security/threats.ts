/**
 * The threat detector: runs the detection rules over the audit stream (every entry the audit log
 * writes), credential uses, new orders and the lockout's brute-force reports, keeps the latest
 * findings, appends each to the audit log (`security.threat`, or `security.brute-force` with the
 * source as actor) and emits `finding`, which the server turns into an alert (threat-alerts.ts).
 *
 * ```ts
 * const threats = threatDetector({ audit, lockout, addresses: await storageTokenAddresses(storage), rules: config.security.threats });
 * threats.on('finding', (f) => console.log(f.rule, f.summary));
 * ```
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import type { AuditLog, AuditTag } from './audit-log.js';
import type { Lockout, LockoutOptions } from './lockout.js';
import { type OrderRateOptions, OrderRateRule } from './order-rate.js';
import {
  type AuditEntryLike,
  type AuditRule,
  type ChangeWindow,
  ChangeWindowRule,
  KillSwitchRelease,
  type KillSwitchReleaseOptions,
  StateChangeBurst,
  type StateChangeBurstOptions,
  type ThreatFinding,
  type ThreatRuleName,
} from './threat-rules.js';
import { type CredentialUse, type NewTokenAddressOptions, NewTokenAddressRule, type TokenAddressStore, memoryTokenAddresses } from './token-addresses.js';

type Switchable<T> = T & { enabled?: boolean };

/** `security.threats` in the config: each rule's thresholds and whether it runs. */
export interface ThreatsConfig {
  /** All detection off (the lockout included). */
  enabled?: boolean;
  /** How long a finding keeps its alert firing. */
  alertHoldMs?: number;
  /** Findings kept in memory for GET /api/security/threats. */
  keepFindings?: number;
  lockout?: Switchable<Omit<LockoutOptions, 'clock'>>;
  newTokenAddress?: Switchable<NewTokenAddressOptions>;
  stateChangeBurst?: Switchable<StateChangeBurstOptions>;
  orderRate?: Switchable<OrderRateOptions>;
  killSwitchRelease?: Switchable<KillSwitchReleaseOptions>;
  /** When configuration changes are expected (UTC); without it the `change-window` rule does not run. */
  changeWindow?: Switchable<ChangeWindow>;
}

export const THREATS_DEFAULTS = {
  enabled: true, // detection costs a few map look-ups per request; an operator turns it off, not on
  alertHoldMs: 15 * 60_000, // an alert stays firing a quarter hour after its last finding: long enough to be seen and acted on
  keepFindings: 200, // the latest findings for the API and the dashboard; the audit log keeps them all
};

/** A finding as it is kept and served: numbered in the order raised. */
export interface RecordedFinding extends ThreatFinding {
  id: number;
}

export interface ThreatDetectorOptions {
  clock?: Clock;
  /** Observed (its `success` events) and written to (every finding). */
  audit?: AuditLog;
  /** Its brute-force reports become findings. */
  lockout?: Lockout;
  /** The addresses each token was seen from (storageTokenAddresses); memory when omitted. */
  addresses?: TokenAddressStore;
  rules?: ThreatsConfig;
  /** An audit append failed for good (the finding is still kept and alerted). */
  onAuditFailure?: (error: unknown, finding: ThreatFinding) => void;
}

export interface ThreatDetectorEvents {
  finding: RecordedFinding;
  /** A rule could not run (its store failed); the use is not checked, nothing else is affected. */
  failure: { rule: ThreatRuleName; error: unknown };
}

const TAGS: Record<ThreatRuleName, AuditTag[]> = {
  'brute-force': ['access-control'],
  'new-token-address': ['access-control'],
  'state-change-burst': ['access-control'],
  'order-rate': ['trading-control'],
  'kill-switch-release': ['trading-control'],
  'change-window': ['configuration'],
};

const on = (part: { enabled?: boolean } | undefined): boolean => part?.enabled !== false;
const without = <T extends { enabled?: boolean }>(part: T | undefined): Omit<T, 'enabled'> => {
  const { enabled: _enabled, ...rest } = part ?? ({} as T);
  return rest;
};

export class ThreatDetector implements EventSource<ThreatDetectorEvents> {
  readonly clock: Clock;
  readonly alertHoldMs: number;
  private readonly keep: number;
  private readonly events = new Emitter<ThreatDetectorEvents>();
  private readonly auditRules: AuditRule[] = [];
  private readonly orderRate: OrderRateRule | undefined;
  private readonly newAddress: NewTokenAddressRule | undefined;
  private readonly latest: RecordedFinding[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly offs: Unsubscribe[] = [];
  private seq = 0;
  private readonly bruteForce: boolean;

  constructor(private readonly options: ThreatDetectorOptions = {}) {
    const rules = options.rules ?? {};
    this.clock = options.clock ?? systemClock;
    this.alertHoldMs = rules.alertHoldMs ?? THREATS_DEFAULTS.alertHoldMs;
    this.keep = rules.keepFindings ?? THREATS_DEFAULTS.keepFindings;
    checkInteger('threats', 'alertHoldMs', this.alertHoldMs, 1);
    checkInteger('threats', 'keepFindings', this.keep, 1);
    const enabled = rules.enabled ?? THREATS_DEFAULTS.enabled;
    if (enabled && on(rules.stateChangeBurst)) this.auditRules.push(new StateChangeBurst(without(rules.stateChangeBurst)));
    if (enabled && on(rules.killSwitchRelease)) this.auditRules.push(new KillSwitchRelease(without(rules.killSwitchRelease)));
    if (enabled && rules.changeWindow && on(rules.changeWindow)) this.auditRules.push(new ChangeWindowRule(without(rules.changeWindow)));
    this.orderRate = enabled && on(rules.orderRate) ? new OrderRateRule(without(rules.orderRate)) : undefined;
    this.newAddress = enabled && on(rules.newTokenAddress) ? new NewTokenAddressRule(options.addresses ?? memoryTokenAddresses(), without(rules.newTokenAddress)) : undefined;
    if (enabled && options.audit) this.offs.push(options.audit.on('success', ({ entry }) => this.observeAudit(entry)));
    this.bruteForce = enabled && options.lockout !== undefined && on(rules.lockout);
    if (this.bruteForce && options.lockout) {
      this.offs.push(
        options.lockout.on('bruteForce', ({ source, kind, failures, windowMs, at }) =>
          this.raise({
            rule: 'brute-force',
            at,
            severity: 'critical',
            summary: `${failures} failed ${kind === 'failed-login' ? 'sign-ins' : 'token checks'} from ${source} within ${Math.round(windowMs / 60_000)} min`,
            actor: source,
            source,
            detail: { kind, failures, windowMs },
          }),
        ),
      );
    }
  }

  on<K extends keyof ThreatDetectorEvents & string>(name: K, listener: Listener<ThreatDetectorEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** The rules that run, by name. */
  get rules(): ThreatRuleName[] {
    const names: ThreatRuleName[] = this.auditRules.map((r) => r.name);
    if (this.orderRate) names.push(this.orderRate.name);
    if (this.newAddress) names.push(this.newAddress.name);
    if (this.bruteForce) names.unshift('brute-force');
    return names;
  }

  /** One audit entry (the detector subscribes to the audit log's; call it directly without one). */
  observeAudit(entry: AuditEntryLike): void {
    for (const rule of this.auditRules) {
      const found = rule.observe(entry);
      if (found) this.raise(found);
    }
  }

  /** A request authenticated with a token or a token's session, from `source`. */
  credentialUsed(use: CredentialUse): Promise<void> {
    if (!this.newAddress) return Promise.resolve();
    return this.track(
      this.newAddress.use(use).then(
        (found) => {
          if (found) this.raise(found);
        },
        (error: unknown) => this.events.emit('failure', { rule: 'new-token-address', error }),
      ),
    );
  }

  /** A new order (an intent created in the journal). */
  order(at: number, exchange?: string): void {
    const found = this.orderRate?.order(at, exchange);
    if (found) this.raise(found);
  }

  /** Records a finding: kept, appended to the audit log, emitted. */
  raise(finding: ThreatFinding): RecordedFinding {
    const recorded: RecordedFinding = { id: ++this.seq, ...finding };
    this.latest.push(recorded);
    if (this.latest.length > this.keep) this.latest.shift();
    const audit = this.options.audit;
    if (audit) {
      const brute = finding.rule === 'brute-force';
      void this.track(
        audit
          .append({
            action: brute ? 'security.brute-force' : 'security.threat',
            actor: brute ? (finding.source ?? 'unknown') : 'system',
            actorKind: brute ? 'address' : 'system',
            target: finding.rule,
            source: finding.source ?? null,
            after: { summary: finding.summary, severity: finding.severity, ...(finding.actor ? { actor: finding.actor } : {}), detail: finding.detail },
            time: finding.at,
            tags: TAGS[finding.rule],
          })
          .catch((error: unknown) => this.options.onAuditFailure?.(error, finding)),
      );
    }
    this.events.emit('finding', recorded);
    return recorded;
  }

  /** The latest findings, newest first. */
  findings(limit = this.keep): RecordedFinding[] {
    return this.latest.slice(-limit).reverse();
  }

  /** Findings per rule within the last `alertHoldMs`: what the alert gauges show. */
  recentCounts(now = this.clock.now()): Map<ThreatRuleName, number> {
    const counts = new Map<ThreatRuleName, number>();
    for (const f of this.latest) if (now - f.at < this.alertHoldMs) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    return counts;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => undefined);
    return work;
  }

  /** Waits for look-ups and audit appends in flight. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops observing the audit log and the lockout, and waits for work in flight. */
  async close(): Promise<void> {
    this.offs.splice(0).forEach((off) => off());
    await this.settled();
  }
}

export function threatDetector(options?: ThreatDetectorOptions): ThreatDetector {
  return new ThreatDetector(options);
}
