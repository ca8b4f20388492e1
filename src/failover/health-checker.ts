/**
 * Active health: each endpoint's `check` runs on a timer, every `intervalMs` plus up to
 * `jitterShare` of it (random, so the checks of many processes spread out), the first one within
 * the jitter of `start()`. A check passes when it resolves to true or nothing; it fails when it
 * resolves to false, throws, or has not answered after `timeoutMs` (its signal is then aborted).
 * `unhealthyThreshold` failed checks in a row make an endpoint unhealthy, `healthyThreshold`
 * passed ones in a row make it healthy again. Endpoints start healthy: a group must be usable
 * before its first checks come back. With `unejects`, `healthyThreshold` checks begun since an
 * ejection began, passed in a row, end the ejection too (Envoy's
 * `successful_active_health_check_uneject_host`). Everything runs on the injected clock; on the
 * system clock the timers do not keep the process alive (checks are upkeep: with nothing else
 * running, nobody needs their answer).
 */
import { setTimerOn, type CancelTimer, type Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { sanitizeText } from '../core/secrets.js';
import type { EndpointRecord } from './endpoint-record.js';
import type { ResolvedHealthCheck } from './options.js';

/** What a check changed: the endpoint's health, and whether its ejection ends (`endsEjection`). */
export interface HealthVerdict {
  unhealthy: boolean;
  endsEjection: boolean;
}

export type HealthChange<T> = (endpoint: EndpointRecord<T>, verdict: HealthVerdict, detail: string) => void;

/** Background upkeep: on the system clock its timers do not hold the process open. */
const UNREF = { unref: true };

interface CheckResult {
  ok: boolean;
  error?: string;
}

export class HealthChecker<T> {
  private timers = new Map<EndpointRecord<T>, CancelTimer>();
  /** Bumped by stop(): a check that answers after it changes nothing. */
  private generation = 0;
  private running = false;

  constructor(
    private readonly options: ResolvedHealthCheck<T>,
    private readonly endpoints: ReadonlyArray<EndpointRecord<T>>,
    private readonly clock: Clock,
    private readonly random: () => number,
    /** Whether passing checks end an outlier ejection (outlierDetection.unejectOnHealthCheck). */
    private readonly unejects: boolean,
    private readonly onChange: HealthChange<T>,
  ) {}

  /** The wait before an endpoint's next check: the interval plus up to `jitterShare` of it. */
  nextDelay(): number {
    return this.options.intervalMs * (1 + this.random() * this.options.jitterShare);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const e of this.endpoints) this.schedule(e, this.random() * this.options.jitterShare * this.options.intervalMs);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private schedule(e: EndpointRecord<T>, delayMs: number): void {
    const generation = this.generation;
    this.timers.set(
      e,
      setTimerOn(
        this.clock,
        delayMs,
        () => {
          if (generation !== this.generation) return;
          void this.run(e, generation);
        },
        UNREF,
      ),
    );
  }

  private async run(e: EndpointRecord<T>, generation: number): Promise<void> {
    const started = this.clock.now();
    const result = await this.check(e);
    if (generation !== this.generation) return;
    const now = this.clock.now();
    e.lastCheck = { at: now, ok: result.ok, latencyMs: now - started, ...(result.error === undefined ? {} : { error: result.error }) };
    const { healthyThreshold, unhealthyThreshold } = this.options;
    if (result.ok) {
      e.checksPassed++;
      e.checksFailed = 0;
      // A check begun before the ejection says nothing about the endpoint since.
      if (e.ejectedUntil > 0 && started >= e.ejectedAt) e.checksPassedEjected++;
      const healthy = e.unhealthy && e.checksPassed >= healthyThreshold;
      const endsEjection = this.unejects && e.ejectedUntil > 0 && e.checksPassedEjected >= healthyThreshold;
      if (healthy || endsEjection) {
        const detail = endsEjection ? `${e.checksPassedEjected} checks passed in a row since ejection ${e.ejections} began: ejection over early` : `${e.checksPassed} checks passed in a row`;
        this.onChange(e, { unhealthy: false, endsEjection }, detail);
      }
    } else {
      e.checksFailed++;
      e.checksPassed = 0;
      e.checksPassedEjected = 0;
      if (!e.unhealthy && e.checksFailed >= unhealthyThreshold) this.onChange(e, { unhealthy: true, endsEjection: false }, `${e.checksFailed} checks failed in a row, the last: ${result.error ?? 'failed'}`);
    }
    this.schedule(e, this.nextDelay());
  }

  /** One check, bounded by the timeout. */
  private check(e: EndpointRecord<T>): Promise<CheckResult> {
    const { check, timeoutMs } = this.options;
    const controller = new AbortController();
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const settle = (result: CheckResult): void => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(result);
      };
      const cancel = setTimerOn(
        this.clock,
        timeoutMs,
        () => {
          controller.abort(new TimeoutError(timeoutMs, `health check timed out after ${timeoutMs} ms`));
          settle({ ok: false, error: `timed out after ${timeoutMs} ms` });
        },
        UNREF,
      );
      Promise.resolve()
        .then(() => check(e.target, controller.signal))
        .then(
          (value) => settle(value === false ? { ok: false, error: 'check returned false' } : { ok: true }),
          (error: unknown) => settle({ ok: false, error: sanitizeText(error instanceof Error ? error.message : String(error)) }),
        );
    });
  }
}
