import { getHeapStatistics } from 'node:v8';
import type { HealthCheckDefinition } from '../types.js';
import { byThreshold, checkThresholds } from './thresholds.js';

export interface MemorySample {
  heapUsed: number;
  heapLimit: number;
  rss: number;
}

export interface MemoryCheckOptions {
  /** Heap used / heap limit from which the check is degraded. */
  heapDegradedRatio?: number;
  heapDownRatio?: number;
  /** RSS in bytes from which the check is degraded / down; no RSS limit when unset. */
  rssDegradedBytes?: number;
  rssDownBytes?: number;
  measure?: () => MemorySample;
}

export const MEMORY_CHECK_DEFAULTS = {
  heapDegradedRatio: 0.85, // GC pauses grow sharply past ~85% of the heap limit
  heapDownRatio: 0.95, // an out-of-memory crash is near
} as const;

const processMemory = (): MemorySample => ({
  heapUsed: process.memoryUsage().heapUsed,
  heapLimit: getHeapStatistics().heap_size_limit,
  rss: process.memoryUsage.rss(),
});

/** Heap usage against the V8 heap limit, and RSS against optional limits. */
export function memoryCheck(options: MemoryCheckOptions = {}): HealthCheckDefinition {
  const heapDegraded = options.heapDegradedRatio ?? MEMORY_CHECK_DEFAULTS.heapDegradedRatio;
  const heapDown = options.heapDownRatio ?? MEMORY_CHECK_DEFAULTS.heapDownRatio;
  checkThresholds('memoryCheck heap', heapDegraded, heapDown);
  const rssDegraded = options.rssDegradedBytes ?? Infinity;
  const rssDown = options.rssDownBytes ?? Infinity;
  if (options.rssDegradedBytes !== undefined || options.rssDownBytes !== undefined) {
    if (rssDegraded > rssDown) throw new RangeError(`memoryCheck rss: rssDegradedBytes (${rssDegraded}) must not exceed rssDownBytes (${rssDown})`);
  }
  const measure = options.measure ?? processMemory;
  return {
    name: 'memory',
    group: 'system',
    component: 'memory',
    measurement: 'utilization',
    critical: false,
    tags: ['system'],
    check: () => {
      const sample = measure();
      const heap = byThreshold(sample.heapUsed / sample.heapLimit, heapDegraded, heapDown, 'heap used/limit', 'ratio');
      const rssStatus = sample.rss >= rssDown ? 'down' : sample.rss >= rssDegraded ? 'degraded' : 'up';
      const details = { ...heap.details, rss: sample.rss, heapUsed: sample.heapUsed, heapLimit: sample.heapLimit };
      if (rssStatus === 'down' || (rssStatus === 'degraded' && heap.status === 'up')) {
        return { status: rssStatus, message: `RSS ${sample.rss} bytes over its ${rssStatus} limit`, details };
      }
      return { ...heap, details };
    },
  };
}
