/**
 * chaos.latency: a share of calls wait before they run. The wait goes through the injected clock
 * (ManualClock in tests) and ends at once when the call's signal aborts (the caller, or an outer
 * timeout): the call then fails with that abort and never runs.
 */
import type { Context } from '../core/context.js';
import { checkNumber, checkObject, numberError } from '../core/option-checks.js';
import { type Operation, invoke } from '../core/policy.js';
import { type ChaosArgs, type ChaosOptions, ChaosPolicy } from './chaos-policy.js';

export interface ChaosLatencyOptions extends ChaosOptions {
  /** The wait in ms (finite, >= 0), or a function of the call giving one. */
  delayMs: number | ((args: ChaosArgs) => number);
  /** Up to this many ms more, drawn uniformly from the policy's random source per injection. */
  jitterMs?: number;
}

export const CHAOS_LATENCY_DEFAULTS = {
  /** The delay as given: jitter only when asked for. */
  jitterMs: 0,
};

/** What a latency injection reports. */
export interface LatencyInjected {
  kind: 'latency';
  /** The wait added to the call, jitter included. */
  delayMs: number;
}

export class ChaosLatencyPolicy extends ChaosPolicy<LatencyInjected> {
  private readonly delay: number | undefined;
  private readonly delayOf: ((args: ChaosArgs) => number) | undefined;
  private readonly jitterMs: number;

  constructor(options: ChaosLatencyOptions) {
    checkObject('chaos.latency', 'options', options, 'with `delayMs`');
    super('chaos.latency', options);
    const delayMs = options.delayMs;
    if (typeof delayMs === 'function') this.delayOf = delayMs;
    else {
      checkNumber('chaos.latency', 'delayMs', delayMs, 0);
      this.delay = delayMs;
    }
    const jitterMs = options.jitterMs ?? CHAOS_LATENCY_DEFAULTS.jitterMs;
    checkNumber('chaos.latency', 'jitterMs', jitterMs, 0);
    this.jitterMs = jitterMs;
  }

  protected inject<T>(fn: Operation<T>, ctx: Context, args: ChaosArgs): Promise<T> {
    let delayMs = this.delay ?? (this.delayOf as (a: ChaosArgs) => number)(args);
    if (!(typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0)) return Promise.reject(numberError('chaos.latency', 'delayMs', delayMs, 0));
    if (this.jitterMs > 0) delayMs += this.draw() * this.jitterMs;
    this.injected({ kind: 'latency', delayMs }, ctx);
    return this.clock.sleep(delayMs, ctx.source.mayAbort ? ctx.signal : undefined).then(() => invoke(fn, ctx));
  }
}

/** Delays a share of calls by `delayMs` (plus up to `jitterMs`) on the policy's clock. */
export function latency(options: ChaosLatencyOptions): ChaosLatencyPolicy {
  return new ChaosLatencyPolicy(options);
}
