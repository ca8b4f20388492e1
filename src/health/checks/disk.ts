import { statfs } from 'node:fs/promises';
import type { HealthCheckDefinition } from '../types.js';

export interface DiskSample {
  freeBytes: number;
  totalBytes: number;
}

export interface DiskCheckOptions {
  /** The data directory whose file system is measured. */
  path: string;
  /** Free fraction below which the check is degraded. */
  degradedFreeRatio?: number;
  /** Free fraction below which it is down. */
  downFreeRatio?: number;
  measure?: (path: string) => Promise<DiskSample>;
}

export const DISK_CHECK_DEFAULTS = {
  degradedFreeRatio: 0.1, // time to prune backups and logs
  downFreeRatio: 0.02, // SQLite and the journal may fail to write any moment
} as const;

const statDisk = async (path: string): Promise<DiskSample> => {
  const stats = await statfs(path);
  return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
};

/** Free space of the file system holding the data directory. */
export function diskCheck(options: DiskCheckOptions): HealthCheckDefinition {
  if (typeof options?.path !== 'string' || options.path === '') throw new TypeError('diskCheck: path (the data directory) is required');
  const degraded = options.degradedFreeRatio ?? DISK_CHECK_DEFAULTS.degradedFreeRatio;
  const down = options.downFreeRatio ?? DISK_CHECK_DEFAULTS.downFreeRatio;
  if (!(down >= 0 && degraded <= 1 && down <= degraded)) {
    throw new RangeError(`diskCheck: need 0 <= downFreeRatio (${down}) <= degradedFreeRatio (${degraded}) <= 1`);
  }
  const measure = options.measure ?? statDisk;
  return {
    name: 'disk',
    group: 'system',
    component: 'disk',
    measurement: 'free',
    critical: true,
    tags: ['system'],
    check: async () => {
      const { freeBytes, totalBytes } = await measure(options.path);
      const ratio = totalBytes > 0 ? freeBytes / totalBytes : 0;
      const details = { observedValue: freeBytes, observedUnit: 'bytes', freeRatio: ratio, totalBytes };
      if (ratio < down) return { status: 'down', message: `only ${(ratio * 100).toFixed(1)}% of the disk is free`, details };
      if (ratio < degraded) return { status: 'degraded', message: `only ${(ratio * 100).toFixed(1)}% of the disk is free`, details };
      return { status: 'up', details };
    },
  };
}
