import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthCheckDefinition } from '../types.js';
import { byThreshold, checkThresholds } from './thresholds.js';

export interface EventLoopCheckOptions {
  /** Lag (ms, p99 since the last run) from which the check is degraded. */
  degradedMs?: number;
  /** Lag from which it is down. */
  downMs?: number;
  /** Measures the lag in ms; default: a perf_hooks histogram, reset at every run. */
  measure?: () => number;
}

export const EVENT_LOOP_CHECK_DEFAULTS = {
  degradedMs: 100, // a 100 ms stall already delays order acknowledgements noticeably
  downMs: 1_000, // a one-second stall misses heartbeats and timeouts
} as const;

function histogramLag(): () => number {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return () => {
    const p99 = histogram.percentile(99) / 1e6;
    histogram.reset();
    return Number.isFinite(p99) ? p99 : 0;
  };
}

export function eventLoopCheck(options: EventLoopCheckOptions = {}): HealthCheckDefinition {
  const degradedMs = options.degradedMs ?? EVENT_LOOP_CHECK_DEFAULTS.degradedMs;
  const downMs = options.downMs ?? EVENT_LOOP_CHECK_DEFAULTS.downMs;
  checkThresholds('eventLoopCheck', degradedMs, downMs);
  let measure = options.measure;
  return {
    name: 'event-loop',
    group: 'system',
    component: 'event-loop',
    measurement: 'lag',
    critical: false,
    tags: ['system', 'liveness'],
    check: () => {
      measure ??= histogramLag();
      return byThreshold(measure(), degradedMs, downMs, 'event-loop lag', 'ms');
    },
  };
}
