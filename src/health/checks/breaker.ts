import type { HealthCheckDefinition } from '../types.js';

/** Anything with a name and a breaker state (the toolkit's circuitBreaker, or another). */
export interface BreakerLike {
  readonly name: string;
  readonly state: string;
}

export interface BreakerCheckOptions {
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
  return {
    name: `breaker:${breaker.name}`,
    group: 'resilience',
    component: `breaker-${breaker.name}`,
    measurement: 'state',
    critical,
    tags: ['resilience', ...(options.tags ?? [])],
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    check: () => {
      const state = breaker.state;
      const details = { observedValue: state };
      if (state === 'closed') return { status: 'up', details };
      if (state === 'half-open') return { status: 'degraded', message: `breaker ${breaker.name} is half-open (trial calls)`, details };
      return { status: critical ? 'down' : 'degraded', message: `breaker ${breaker.name} is ${state}`, details };
    },
  };
}
