/**
 * The configured service's scheduled backups (`backup.everyMs`, retention `backup.keepLast` /
 * `backup.maxAgeMs`). With Redis the schedule is a singleton duty (`backups`): of the deployment's
 * ops services one takes them, and another takes over within leaseMs + renewMs when it dies.
 * A health check (`backups`, group services) turns degraded when the newest backup is older than
 * two periods, down past four.
 */
import type { Redis } from 'ioredis';
import type { Backups } from '../backup/backups.js';
import { backupSchedule } from '../backup/schedule.js';
import type { BulwarkConfig } from '../config/schema.js';
import { leadDuty } from '../fleet/leader-duty.js';
import type { HealthRegistry } from '../health/registry.js';
import { leaseOf } from './account-duty.js';
import { fleetPrefixOf } from './configured-stores.js';
import type { LiveEvents } from './live-events.js';

export interface ScheduledBackupsDeps {
  health: HealthRegistry;
  events: LiveEvents;
  redis?: Redis;
  /** The service's instance id in its fleet: who holds the duty. */
  instance: string;
}

/** Starts the schedule (bound to the `backups` election with Redis); resolves with its stopper. */
export async function scheduleBackups(backups: Backups, config: BulwarkConfig, deps: ScheduledBackupsDeps): Promise<() => Promise<void>> {
  const everyMs = config.backup.everyMs!;
  const { keepLast, maxAgeMs } = config.backup;
  const keep = keepLast !== undefined || maxAgeMs !== undefined ? { ...(keepLast !== undefined ? { keepLast } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) } : undefined;
  const schedule = backupSchedule(backups, { everyMs, ...(keep ? { keep } : {}) });
  const source = `bulwark-${config.env}`;
  const offs = [
    schedule.on('created', ({ manifest, pruned }) =>
      deps.events.record('operator', source, `scheduled backup ${manifest.id} taken${pruned && pruned.removed.length > 0 ? `; ${pruned.removed.length} old backup(s) pruned` : ''}`),
    ),
    schedule.on('failed', ({ error }) => deps.events.record('operator', source, `scheduled backup failed: ${error instanceof Error ? error.message : String(error)}`, 'critical')),
  ];
  const fresh = backups.freshnessCheck({ maxAgeMs: 2 * everyMs, downAfterMs: 4 * everyMs });
  deps.health.register({
    name: 'backups',
    group: 'services',
    critical: false,
    check: async () => {
      // Another service of the deployment holds the duty: its own health says how its backups go.
      if (deps.redis && !schedule.active) return { status: 'up', message: 'another ops service of the deployment takes the backups (duty backups)' };
      // Degraded past two periods (one backup missed), down past four.
      const result = await fresh();
      return result.status === 'up' ? true : { status: result.status, message: result.message };
    },
  });
  if (!deps.redis) {
    await schedule.start();
    return async () => {
      offs.forEach((off) => off());
      await schedule.stop();
    };
  }
  const led = leadDuty({ redis: deps.redis, prefix: fleetPrefixOf(config), instance: deps.instance, ...leaseOf(config) }, { name: 'backups', start: () => schedule.start(), stop: () => schedule.stop() }, (error) =>
    deps.events.record('operator', source, `backups duty: ${error instanceof Error ? error.message : String(error)}`, 'warning'),
  );
  return async () => {
    await led.close();
    offs.forEach((off) => off());
  };
}
