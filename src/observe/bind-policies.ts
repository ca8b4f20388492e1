/**
 * Turns policy events into metrics. Components never import observe/; observe subscribes to
 * their typed events. Each binder returns an unbind function.
 */
import type { BulkheadPolicy } from '../policies/bulkhead.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { FallbackPolicy } from '../policies/fallback.js';
import type { HedgePolicy } from '../policies/hedge.js';
import type { RateLimitPolicy } from '../policies/rate-limit.js';
import type { RetryPolicy } from '../policies/retry.js';
import type { TimeoutPolicy } from '../policies/timeout.js';
import { Metrics, breakerCallKinds, breakerStates, breakerTransitionPairs } from './metrics.js';

type Unbind = () => void;

function all(unbinds: Unbind[]): Unbind {
  return () => {
    for (const unbind of unbinds) unbind();
  };
}

/** Breaker calls, latencies, transitions; state and rates read live at each scrape. */
export function observeBreaker(metrics: Metrics, breaker: CircuitBreaker, name = breaker.name ?? 'breaker'): Unbind {
  const n = metrics.label('name', name);
  const refresh = (): void => {
    const m = breaker.metrics();
    Metrics.setState(metrics.breakerState, { name: n }, 'state', breakerStates, m.state);
    metrics.breakerFailureRate.set({ name: n }, m.failureRate);
    metrics.breakerSlowCallRate.set({ name: n }, m.slowCallRate);
  };
  refresh();
  // Known series start at 0, so rate() and alerts see the first call and the first transition.
  for (const kind of breakerCallKinds) metrics.breakerCalls.inc({ name: n, kind }, 0);
  for (const [from, to] of breakerTransitionPairs) metrics.breakerTransitions.inc({ name: n, from, to }, 0);
  return all([
    metrics.onScrape(refresh),
    breaker.on('success', ({ durationMs }) => {
      metrics.breakerCalls.inc({ name: n, kind: 'successful' });
      metrics.callDuration.observe({ name: n, kind: 'successful' }, durationMs / 1000);
    }),
    breaker.on('failure', ({ durationMs }) => {
      metrics.breakerCalls.inc({ name: n, kind: 'failed' });
      metrics.callDuration.observe({ name: n, kind: 'failed' }, durationMs / 1000);
    }),
    breaker.on('rejected', () => metrics.breakerCalls.inc({ name: n, kind: 'not_permitted' })),
    breaker.on('stateChange', ({ from, to }) => {
      metrics.breakerTransitions.inc({ name: n, from, to });
      refresh();
    }),
  ]);
}

export function observeRetry(metrics: Metrics, policy: RetryPolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  return all([
    policy.on('retry', () => metrics.retryCalls.inc({ name: n, kind: 'retry' })),
    policy.on('giveUp', ({ reason }) => metrics.retryCalls.inc({ name: n, kind: `give_up_${reason.replace('-', '_')}` })),
  ]);
}

export function observeTimeout(metrics: Metrics, policy: TimeoutPolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  return policy.on('timeout', () => metrics.timeouts.inc({ name: n }));
}

export function observeBulkhead(metrics: Metrics, policy: BulkheadPolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  const refresh = (): void => {
    metrics.bulkheadExecuting.set({ name: n }, policy.executing);
    metrics.bulkheadQueued.set({ name: n }, policy.queued);
    metrics.bulkheadMaxConcurrent.set({ name: n }, policy.maxConcurrent);
  };
  refresh();
  return all([
    metrics.onScrape(refresh),
    policy.on('rejected', ({ reason }) => metrics.bulkheadRejected.inc({ name: n, reason: reason.replaceAll('-', '_') })),
  ]);
}

export function observeRateLimit(metrics: Metrics, policy: RateLimitPolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  return policy.on('rejected', ({ key }) => metrics.rateLimited.inc({ name: n, key: metrics.label('key', key) }));
}

export function observeFallback(metrics: Metrics, policy: FallbackPolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  return policy.on('fallback', () => metrics.fallbacks.inc({ name: n }));
}

export function observeHedge(metrics: Metrics, policy: HedgePolicy, name: string): Unbind {
  const n = metrics.label('name', name);
  return policy.on('hedge', () => metrics.hedges.inc({ name: n }));
}
