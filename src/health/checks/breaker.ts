import type { HealthCheckDefinition } from '../types.js';

/** Anything with a name and a breaker state (the toolkit's circuitBreaker, or another). */
export interface BreakerLike {
  /** The breaker's name (a toolkit breaker has one when made with `name` or by the registry). */
  readonly name?: string | undefined;
  readonly state: string;
}

export interface BreakerCheckOptions {
  /** The name to report under; defaults to the breaker's own name. */
  name?: string;
  /** A critical breaker that is open (or isolated) reports down; a non-critical one degraded. */
  critical?: boolean;
  tags?: readonly string[];
  dependsOn?: readonly string[];
}

export const BREAKER_CHECK_DEFAULTS = {
  critical: false, // one open breaker usually means one dependency is out, not the whole service
} as const;

/** closed = up; half-open = degraded; open or isolated = down if critical, else degraded. */
export function breakerCheck(breaker: BreakerLike, options: BreakerCheckOptions = {}): HealthCheckDefinition {
  const critical = options.critical ?? BREAKER_CHECK_DEFAULTS.critical;
  const name = options.name ?? breaker.name;
  if (!name) throw new TypeError('breakerCheck: the breaker has no name; give it one (circuitBreaker({ name })) or pass options.name');
  return {
    name: `breaker:${name}`,
    group: 'resilience',
    component: `breaker-${name}`,
    measurement: 'state',
    critical,
    tags: ['resilience', ...(options.tags ?? [])],
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    check: () => {
      const state = breaker.state;
      const details = { observedValue: state };
      if (state === 'closed') return { status: 'up', details };
      // Forced by an operator to let every call through: nothing is refused.
      if (state === 'disabled' || state === 'metrics-only') return { status: 'up', message: `breaker ${name} is ${state} (every call goes through)`, details };
      if (state === 'half-open') return { status: 'degraded', message: `breaker ${name} is half-open (trial calls)`, details };
      return { status: critical ? 'down' : 'degraded', message: `breaker ${name} is ${state}`, details };
    },
  };
}
