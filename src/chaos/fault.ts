/**
 * chaos.fault: a share of calls fail with an injected error instead of running. The error is
 * given as it is, or made per call by a function (which may return `undefined`: no fault this
 * time, as Polly's fault generator returning null).
 */
import type { Context } from '../core/context.js';
import { checkObject } from '../core/option-checks.js';
import { type Operation, invoke } from '../core/policy.js';
import { type ChaosArgs, type ChaosOptions, ChaosPolicy } from './chaos-policy.js';

export interface ChaosFaultOptions extends ChaosOptions {
  /** The error to throw, or a function of the call making it (`undefined`: the call runs). */
  fault: ((args: ChaosArgs) => unknown) | Error | object;
}

/** What a fault injection reports. */
export interface FaultInjected {
  kind: 'fault';
  /** The error the call was failed with. */
  error: unknown;
}

export class ChaosFaultPolicy extends ChaosPolicy<FaultInjected> {
  private readonly faultOf: (args: ChaosArgs) => unknown;

  constructor(options: ChaosFaultOptions) {
    checkObject('chaos.fault', 'options', options, 'with `fault`');
    super('chaos.fault', options);
    const fault = options.fault;
    if (fault === undefined || fault === null) throw new TypeError(`chaos.fault: fault must be an error or a function making one, got ${String(fault)}`);
    this.faultOf = typeof fault === 'function' ? (fault as (args: ChaosArgs) => unknown) : () => fault;
  }

  protected inject<T>(fn: Operation<T>, ctx: Context, args: ChaosArgs): Promise<T> {
    let error: unknown;
    try {
      error = this.faultOf(args);
    } catch (thrown) {
      // A factory that throws is a fault too: the caller gets what it threw.
      error = thrown;
    }
    if (error === undefined) return invoke(fn, ctx);
    this.injected({ kind: 'fault', error }, ctx);
    return Promise.reject(error);
  }
}

/** Fails a share of calls with `fault` (an error, or a function of `{ context }` making one). */
export function fault(options: ChaosFaultOptions): ChaosFaultPolicy {
  return new ChaosFaultPolicy(options);
}
