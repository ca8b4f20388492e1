/**
 * What an experiment's steps are made of. An action starts a fault and hands back a handle whose
 * `stop()` reverts it; a probe measures the running service and returns a number or a boolean.
 * Both are looked up by name in a registry, so fault sources of every level (exchange, policy,
 * network, process) plug in as actions without the runner knowing them.
 */
import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { ChaosTarget } from './target.js';

/** Handed to every action and probe. */
export interface ActivityContext {
  /** The service under test: its components and the exchange it talks to. */
  readonly target: ChaosTarget;
  readonly clock: Clock;
  /** Aborts when the run is aborted: an action that waits should stop waiting. */
  readonly signal: AbortSignal;
}

/** A running fault. `stop()` reverts it; it is called exactly once, also on abort and error. */
export interface ActionHandle {
  stop(): Promise<void> | void;
}

export interface ChaosAction<A = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /** Checks and defaults the step's `args`; errors name the key. */
  readonly args?: z.ZodType<A>;
  start(ctx: ActivityContext, args: A): Promise<ActionHandle> | ActionHandle;
}

export type ProbeValue = number | boolean;

export interface ChaosProbe<A = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly args?: z.ZodType<A>;
  measure(ctx: ActivityContext, args: A): Promise<ProbeValue> | ProbeValue;
}

/** Actions and probes by name. */
export class ActivityRegistry {
  private readonly actionsByName = new Map<string, ChaosAction<never>>();
  private readonly probesByName = new Map<string, ChaosProbe<never>>();

  addAction<A>(action: ChaosAction<A>): this {
    if (this.actionsByName.has(action.name)) throw new RangeError(`chaos: action "${action.name}" is already registered`);
    this.actionsByName.set(action.name, action as ChaosAction<never>);
    return this;
  }

  addProbe<A>(probe: ChaosProbe<A>): this {
    if (this.probesByName.has(probe.name)) throw new RangeError(`chaos: probe "${probe.name}" is already registered`);
    this.probesByName.set(probe.name, probe as ChaosProbe<never>);
    return this;
  }

  action(name: string): ChaosAction<unknown> | undefined {
    return this.actionsByName.get(name) as ChaosAction<unknown> | undefined;
  }

  probe(name: string): ChaosProbe<unknown> | undefined {
    return this.probesByName.get(name) as ChaosProbe<unknown> | undefined;
  }

  actions(): ChaosAction<unknown>[] {
    return [...this.actionsByName.values()] as ChaosAction<unknown>[];
  }

  probes(): ChaosProbe<unknown>[] {
    return [...this.probesByName.values()] as ChaosProbe<unknown>[];
  }
}

/** Checks `args` against an activity's schema; throws a TypeError naming the key. */
export function activityArgs(activity: { name: string; args?: z.ZodType<unknown> }, args: Record<string, unknown>, where: string): unknown {
  if (!activity.args) return args;
  const parsed = activity.args.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new TypeError(`${where}.args${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
}
