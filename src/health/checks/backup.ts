import { type Clock, systemClock } from '../../core/clock.js';
import type { HealthCheckDefinition } from '../types.js';
import { checkFunction } from '../../core/option-checks.js';

export interface BackupAgeCheckOptions {
  /** When the latest backup finished (ms since epoch or a Date); undefined when there is none. */
  lastBackupAt: () => number | Date | undefined | Promise<number | Date | undefined>;
  /** Age from which the check is degraded. */
  degradedAfterMs?: number;
  /** Age from which it is down (and when there has never been a backup). */
  downAfterMs?: number;
  clock?: Clock;
}

const HOUR = 3_600_000;

export const BACKUP_AGE_CHECK_DEFAULTS = {
  degradedAfterMs: 26 * HOUR, // a daily backup plus two hours of slack
  downAfterMs: 72 * HOUR, // three missed daily backups
} as const;

export function backupAgeCheck(options: BackupAgeCheckOptions): HealthCheckDefinition {
  checkFunction('backupAgeCheck', 'lastBackupAt', options?.lastBackupAt);
  const degraded = options.degradedAfterMs ?? BACKUP_AGE_CHECK_DEFAULTS.degradedAfterMs;
  const down = options.downAfterMs ?? BACKUP_AGE_CHECK_DEFAULTS.downAfterMs;
  if (!(degraded > 0 && down >= degraded)) throw new RangeError(`backupAgeCheck: need 0 < degradedAfterMs (${degraded}) <= downAfterMs (${down})`);
  const clock = options.clock ?? systemClock;
  return {
    name: 'backup',
    group: 'trading',
    component: 'backup',
    measurement: 'age',
    critical: false,
    tags: ['backup'],
    check: async () => {
      const last = await options.lastBackupAt();
      if (last === undefined) return { status: 'down', message: 'no backup has been taken' };
      const age = clock.now() - (last instanceof Date ? last.getTime() : last);
      const details = { observedValue: age, observedUnit: 'ms' };
      const hours = (age / HOUR).toFixed(1);
      if (age >= down) return { status: 'down', message: `latest backup is ${hours} h old`, details };
      if (age >= degraded) return { status: 'degraded', message: `latest backup is ${hours} h old`, details };
      return { status: 'up', details };
    },
  };
}
