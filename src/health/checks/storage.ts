import type { HealthCheckDefinition } from '../types.js';

export interface StorageCheckOptions {
  /** Check name, e.g. `postgres`, `redis`, `sqlite`. */
  name: string;
  /** Anything with a ping(): a storage adapter, an ioredis client, a wrapper around `SELECT 1`. */
  target: { ping(): unknown };
  critical?: boolean;
  timeoutMs?: number;
  dependsOn?: readonly string[];
  tags?: readonly string[];
}

export const STORAGE_CHECK_DEFAULTS = {
  critical: true, // without its store the service cannot record orders or state
} as const;

/** Up when `ping()` resolves; down (with the error's message) when it throws or times out. */
export function storageCheck(options: StorageCheckOptions): HealthCheckDefinition {
  if (typeof options?.target?.ping !== 'function') throw new TypeError('storageCheck: target must have a ping() method');
  return {
    name: options.name,
    group: 'services',
    component: options.name,
    measurement: 'connections',
    critical: options.critical ?? STORAGE_CHECK_DEFAULTS.critical,
    tags: ['services', 'storage', ...(options.tags ?? [])],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    check: async () => {
      await options.target.ping();
      return true;
    },
  };
}
