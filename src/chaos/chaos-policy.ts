/**
 * What every chaos policy shares (Polly v8's chaos strategies are the model): an injection rate,
 * an enable switch that can be flipped while calls run, a seeded source of randomness, and one
 * decision per call: inject or call straight through.
 *
 * Zero cost when disabled: while the switch is off, `passThrough` is true and `pipeline()` skips
 * the layer altogether; run on its own, `run` reads one field and hands the call on. No random
 * number is drawn, no argument object made.
 *
 *   enabled (switch AND `enabled` function) ──no──▶ call through
 *        │ yes
 *   random() < injectionRate ──no──▶ call through
 *        │ yes
 *   inject (the subclass: fault, latency, outcome, behavior), then emit `injected`
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Context, ExecContext } from '../core/context.js';
import { checkFunction, checkNumber, numberError } from '../core/option-checks.js';
import { BasePolicy, type Operation, type SteppingAside, invoke } from '../core/policy.js';

/** What a chaos option function is given for one call (an object, so it can grow without breaking). */
export interface ChaosArgs {
  /** The call's `{ signal, attempt }`. */
  readonly context: ExecContext;
}

export interface ChaosOptions {
  /** The share of calls that get the chaos, in [0, 1], or a function of the call giving one. */
  injectionRate?: number | ((args: ChaosArgs) => number);
  /**
   * Whether the policy injects at all: a boolean, or a function asked on every call. `enable()` and
   * `disable()` flip a switch in front of it: while disabled, nothing is asked and nothing injected.
   */
  enabled?: boolean | ((args: ChaosArgs) => boolean);
  /** Randomness in [0, 1) deciding which calls get the chaos; pass `seededRandom(seed)` for a repeatable run. */
  random?: () => number;
  /** Source of time for waits (latency) and the time of a `stateChange`. */
  clock?: Clock;
}

export const CHAOS_DEFAULTS = {
  /** One call in a thousand, as Polly: a chaos policy left in by mistake hurts little; raise it on purpose. */
  injectionRate: 0.001,
  /** A chaos policy is added to inject; keep it off in production with `enabled: false` or `chaosAllowed(config)`. */
  enabled: true,
  /** Unseeded: every run different; seed it for a repeatable experiment. */
  random: Math.random as () => number,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

/** The switch's two positions. */
export type ChaosState = 'enabled' | 'disabled';

/** The switch was flipped by `enable()` or `disable()`. */
export interface ChaosStateChange {
  from: ChaosState;
  to: ChaosState;
  /** Why, in kebab-case: `manual` unless the caller said (e.g. `experiment-ended`). */
  reason: string;
  /** Clock time (ms). */
  at: number;
}

/** The events of a chaos policy whose injections are described by `I`. */
export interface ChaosEvents<I> {
  /** Chaos was injected into a call: what, and into which try. */
  injected: I & { attempt: number };
  /** The enable switch was flipped. */
  stateChange: ChaosStateChange;
}

export abstract class ChaosPolicy<I> extends BasePolicy<ChaosEvents<I>> implements SteppingAside {
  /** True while disabled: the policy only calls straight through, and `pipeline()` skips it. Mirrors the switch. */
  readonly passThrough: boolean;
  protected readonly clock: Clock;
  private readonly random: () => number;
  private readonly rate: number | undefined;
  private readonly rateOf: ((args: ChaosArgs) => number) | undefined;
  private readonly enabledOf: ((args: ChaosArgs) => boolean) | undefined;
  private switchedOn: boolean;

  protected constructor(
    /** The factory's name, for option errors: `chaos.fault`. */
    protected readonly component: string,
    options: ChaosOptions,
  ) {
    super();
    const injectionRate = options.injectionRate ?? CHAOS_DEFAULTS.injectionRate;
    if (typeof injectionRate === 'function') this.rateOf = injectionRate;
    else {
      checkNumber(component, 'injectionRate', injectionRate, 0, 1);
      this.rate = injectionRate;
    }
    const enabled = options.enabled ?? CHAOS_DEFAULTS.enabled;
    if (typeof enabled === 'function') {
      this.enabledOf = enabled;
      this.switchedOn = true;
    } else if (typeof enabled === 'boolean') this.switchedOn = enabled;
    else throw new TypeError(`${component}: enabled must be a boolean or a function, got ${typeof enabled}`);
    checkFunction(component, 'random', options.random, true);
    this.random = options.random ?? CHAOS_DEFAULTS.random;
    this.clock = options.clock ?? CHAOS_DEFAULTS.clock;
    this.passThrough = !this.switchedOn;
  }

  /** The switch: false after `disable()` (or `enabled: false`); an `enabled` function is asked only while it is true. */
  get enabled(): boolean {
    return this.switchedOn;
  }

  /** Turns injection on (an `enabled` function, if given, decides per call again). */
  enable(reason = 'manual'): void {
    this.flip(true, reason);
  }

  /** Turns injection off: every call goes straight through until `enable()`. */
  disable(reason = 'manual'): void {
    this.flip(false, reason);
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (!this.switchedOn) return invoke(fn, ctx);
    let args: ChaosArgs | undefined;
    if (this.enabledOf !== undefined) {
      args = { context: ctx };
      if (!this.enabledOf(args)) return invoke(fn, ctx);
    }
    let rate = this.rate;
    if (rate === undefined) {
      args ??= { context: ctx };
      rate = (this.rateOf as (a: ChaosArgs) => number)(args);
      if (!(typeof rate === 'number' && rate >= 0 && rate <= 1)) return Promise.reject(numberError(this.component, 'injectionRate', rate, 0, 1));
    }
    if (!(this.random() < rate)) return invoke(fn, ctx);
    return this.inject(fn, ctx, args ?? { context: ctx });
  }

  /** Runs one call with the chaos in it. */
  protected abstract inject<T>(fn: Operation<T>, ctx: Context, args: ChaosArgs): Promise<T>;

  /** Draws from the policy's random source (latency's jitter draws from the same seeded stream). */
  protected draw(): number {
    return this.random();
  }

  /** Tells listeners what was injected into the try `ctx` runs. */
  protected injected(what: I, ctx: ExecContext): void {
    if (this.events.has('injected')) this.events.emit('injected', { ...what, attempt: ctx.attempt });
  }

  private flip(on: boolean, reason: string): void {
    if (this.switchedOn === on) return;
    this.switchedOn = on;
    // A plain field rather than a getter: the pipeline reads it on every call.
    (this as { passThrough: boolean }).passThrough = !on;
    if (this.events.has('stateChange')) {
      this.events.emit('stateChange', { from: on ? 'disabled' : 'enabled', to: on ? 'enabled' : 'disabled', reason, at: this.clock.now() });
    }
  }
}
