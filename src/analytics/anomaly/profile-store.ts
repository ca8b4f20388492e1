/**
 * The anomaly detector's seasonal profiles in the configured storage (SQLite or PostgreSQL): one
 * row per instance, series and hour summarised (its first point's time, median, spread and point
 * count). Each process writes only rows of its own `instance`, as the recorder does, so processes
 * sharing a PostgreSQL never race on a row; each reads back only its own.
 */
import type { Migration, Storage } from '../../storage/types.js';
import type { ProfileHour } from './seasonal-profile.js';

export const analyticsAnomalyProfileMigration: Migration = {
  id: 'analytics-004-anomaly-profile',
  up: `CREATE TABLE IF NOT EXISTS analytics_anomaly_profile (
  instance TEXT NOT NULL,
  series TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  baseline DOUBLE PRECISION NOT NULL,
  spread DOUBLE PRECISION NOT NULL,
  points BIGINT NOT NULL,
  PRIMARY KEY (instance, series, started_at)
);
CREATE INDEX IF NOT EXISTS analytics_anomaly_profile_age ON analytics_anomaly_profile (instance, started_at)`,
};

/** What changed in one series' profile since it was last written. */
export interface ProfileChange {
  series: string;
  /** Hours new or changed (the hour being filled, each save). */
  upserts: readonly ProfileHour[];
  /** Hours forgotten, by `startedAt`. */
  deletes: readonly number[];
}

export interface ProfileStore {
  /** This instance's hours that started at or after `sinceMs`, per series, oldest first. */
  load(instance: string, sinceMs: number): Promise<Map<string, ProfileHour[]>>;
  /**
   * In one transaction: each change's upserts and deletes, and the deletion of this instance's
   * hours that started before `pruneBeforeMs` (any series). Resolves with the rows pruned.
   */
  write(instance: string, changes: readonly ProfileChange[], pruneBeforeMs: number): Promise<number>;
  /** Rows held for `instance` (for the size bound). */
  rowCount(instance: string): Promise<number>;
}

interface StoredRow extends Record<string, unknown> {
  series: string;
  started_at: number | string;
  baseline: number | string;
  spread: number | string;
  points: number | string;
}

/** The store over `storage`; applies the migration first. */
export async function profileStore(storage: Storage): Promise<ProfileStore> {
  await storage.migrate([analyticsAnomalyProfileMigration]);
  return {
    async load(instance, sinceMs) {
      const rows = await storage.all<StoredRow>(
        'SELECT series, started_at, baseline, spread, points FROM analytics_anomaly_profile WHERE instance = ? AND started_at >= ? ORDER BY series, started_at',
        [instance, sinceMs],
      );
      const bySeries = new Map<string, ProfileHour[]>();
      for (const r of rows) {
        const hours = bySeries.get(r.series) ?? [];
        hours.push({ startedAt: Number(r.started_at), baseline: Number(r.baseline), spread: Number(r.spread), points: Number(r.points) });
        bySeries.set(r.series, hours);
      }
      return bySeries;
    },
    async write(instance, changes, pruneBeforeMs) {
      return storage.transaction(async (tx) => {
        for (const { series, upserts, deletes } of changes) {
          for (const h of upserts) {
            await tx.run(
              `INSERT INTO analytics_anomaly_profile (instance, series, started_at, baseline, spread, points) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (instance, series, started_at) DO UPDATE SET baseline = excluded.baseline, spread = excluded.spread, points = excluded.points`,
              [instance, series, h.startedAt, h.baseline, h.spread, h.points],
            );
          }
          for (const startedAt of deletes) await tx.run('DELETE FROM analytics_anomaly_profile WHERE instance = ? AND series = ? AND started_at = ?', [instance, series, startedAt]);
        }
        const { changes: pruned } = await tx.run('DELETE FROM analytics_anomaly_profile WHERE instance = ? AND started_at < ?', [instance, pruneBeforeMs]);
        return pruned;
      });
    },
    async rowCount(instance) {
      const row = await storage.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM analytics_anomaly_profile WHERE instance = ?', [instance]);
      return Number(row?.n ?? 0);
    },
  };
}
