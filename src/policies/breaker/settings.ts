/**
 * The breaker settings that may change while it runs (`breaker.reconfigure()`): the window, the
 * thresholds, the open duration and the half-open trials. What it is called with, its name, clock
 * and `isFailure` are fixed at construction.
 */
import { checkObject } from '../../core/option-checks.js';
import { type CircuitBreakerOptions, type ResolvedOptions, resolveOptions } from './options.js';

/** The keys `reconfigure()` accepts. */
export const RECONFIGURABLE_BREAKER_KEYS = [
  'window',
  'failureRateThreshold',
  'slowCallMs',
  'slowCallRateThreshold',
  'minimumCalls',
  'openMs',
  'halfOpenCalls',
  'halfOpenJudge',
  'halfOpenMaxWaitMs',
] as const;

/** Settings a running breaker can change; a key left out keeps its value, one given as undefined goes back to its default. */
export type BreakerSettings = Pick<CircuitBreakerOptions, (typeof RECONFIGURABLE_BREAKER_KEYS)[number]>;

/** The settings in force, as options (what is not measured, such as slow calls without `slowCallMs`, left out). */
export function settingsOf(o: ResolvedOptions): BreakerSettings {
  return {
    window: { ...o.window },
    failureRateThreshold: o.failureRateThreshold,
    ...(o.slowCallMs !== Infinity ? { slowCallMs: o.slowCallMs, slowCallRateThreshold: o.slowCallRateThreshold } : {}),
    minimumCalls: o.minimumCalls,
    openMs: o.openMs,
    halfOpenCalls: o.halfOpenCalls,
    halfOpenJudge: o.halfOpenJudge,
    ...(o.halfOpenMaxWaitMs !== Infinity ? { halfOpenMaxWaitMs: o.halfOpenMaxWaitMs } : {}),
  };
}

/** Whether two windows count the same calls (same kind and length): then a change of thresholds keeps the calls recorded. */
export function sameWindow(a: ResolvedOptions['window'], b: ResolvedOptions['window']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Options that resolve to `o` again (what `reconfigure()` merges a change into). */
export function optionsOf(o: ResolvedOptions): CircuitBreakerOptions {
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...settingsOf(o),
    timeCalls: o.timeCalls,
    unref: o.unref,
    isFailure: o.isFailure,
    clock: o.clock,
  };
}

/**
 * A reconfigure's changes merged over `options`, checked as at construction (only the keys that
 * change at run time; a bad value throws naming it) and resolved. What `breaker.reconfigure()` runs
 * on, and what a caller changing several breakers at once checks first.
 */
export function resolveChanges(options: CircuitBreakerOptions, changes: BreakerSettings): ResolvedOptions {
  checkObject('circuitBreaker', 'reconfigure(changes)', changes);
  for (const key of Object.keys(changes)) {
    if (!(RECONFIGURABLE_BREAKER_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`circuitBreaker: reconfigure cannot change ${key} (fixed at construction); it changes ${RECONFIGURABLE_BREAKER_KEYS.join(', ')}`);
    }
  }
  return resolveOptions({ ...options, ...changes });
}
