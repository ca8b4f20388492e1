import { availableParallelism, loadavg } from 'node:os';
import type { HealthCheckDefinition } from '../types.js';
import { byThreshold, checkThresholds } from './thresholds.js';

export interface CpuCheckOptions {
  /** One-minute load average per core from which the check is degraded. */
  degradedLoad?: number;
  downLoad?: number;
  /** Load per core; default os.loadavg()[0] / availableParallelism(). */
  measure?: () => number;
}

export const CPU_CHECK_DEFAULTS = {
  degradedLoad: 0.8, // queues start forming as cores saturate
  downLoad: 1.5, // half again as much work as cores: latency is unbounded
} as const;

const loadPerCore = (): number => (loadavg()[0] ?? 0) / availableParallelism();

export function cpuCheck(options: CpuCheckOptions = {}): HealthCheckDefinition {
  const degraded = options.degradedLoad ?? CPU_CHECK_DEFAULTS.degradedLoad;
  const down = options.downLoad ?? CPU_CHECK_DEFAULTS.downLoad;
  checkThresholds('cpuCheck', degraded, down);
  const measure = options.measure ?? loadPerCore;
  return {
    name: 'cpu',
    group: 'system',
    component: 'cpu',
    measurement: 'utilization',
    critical: false,
    tags: ['system'],
    check: () => byThreshold(measure(), degraded, down, 'load per core', 'ratio'),
  };
}
