/**
 * Alert history persisted through `bulwark/storage` (SQLite or PostgreSQL), so transitions and
 * notification outcomes survive restarts. `storageAlertHistory()` runs its own migration.
 */
import { checkInteger } from '../../core/option-checks.js';
import { staleReads } from '../../storage/stale-reads.js';
import type { Migration, Storage } from '../../storage/types.js';
import type { AlertHistory, AlertHistoryEntry } from './history.js';

export const alertHistoryMigration: Migration = {
  id: 'observe-001-alert-history',
  up: `CREATE TABLE IF NOT EXISTS alert_history (
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  rule TEXT NOT NULL,
  event TEXT NOT NULL,
  severity TEXT NOT NULL,
  value DOUBLE PRECISION,
  detail TEXT,
  PRIMARY KEY (at, seq)
);
CREATE INDEX IF NOT EXISTS alert_history_rule ON alert_history (rule, at)`,
};

interface HistoryRow {
  [column: string]: unknown;
  at: number | string;
  rule: string;
  event: AlertHistoryEntry['event'];
  severity: string;
  value: number | null;
  detail: string | null;
}

export interface StorageAlertHistoryOptions {
  /** Rows kept; older ones are pruned as new ones arrive. 100,000 is months of a busy rule set. */
  maxRows?: number;
}

export const STORAGE_ALERT_HISTORY_DEFAULTS = { maxRows: 100_000 };

/** An alert history in `storage`'s `alert_history` table (created on first use). */
export async function storageAlertHistory(storage: Storage, options: StorageAlertHistoryOptions = {}): Promise<AlertHistory> {
  const maxRows = options.maxRows ?? STORAGE_ALERT_HISTORY_DEFAULTS.maxRows;
  checkInteger('storageAlertHistory', 'maxRows', maxRows, 1);
  await storage.migrate([alertHistoryMigration]);
  // Orders entries recorded within one millisecond; restarts continue after the stored maximum.
  const last = await storage.one<{ [c: string]: unknown; seq: number | string | null }>('SELECT MAX(seq) AS seq FROM alert_history');
  let seq = Number(last?.seq ?? 0);
  let sincePrune = 0;
  return {
    async record(entry) {
      seq++;
      await storage.run('INSERT INTO alert_history (seq, at, rule, event, severity, value, detail) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        seq,
        entry.at,
        entry.rule,
        entry.event,
        entry.severity,
        entry.value !== undefined && Number.isFinite(entry.value) ? entry.value : null,
        entry.detail ?? null,
      ]);
      if (++sincePrune >= 1_000) {
        sincePrune = 0;
        await storage.run('DELETE FROM alert_history WHERE seq <= ?', [seq - maxRows]);
      }
    },
    async list({ limit = 100, rule } = {}) {
      // A list a person reads: a replica within the lag limit may answer (PostgreSQL with replicas).
      const reads = staleReads(storage);
      const rows = rule
        ? await reads.all<HistoryRow>('SELECT at, rule, event, severity, value, detail FROM alert_history WHERE rule = ? ORDER BY at DESC, seq DESC LIMIT ?', [rule, limit])
        : await reads.all<HistoryRow>('SELECT at, rule, event, severity, value, detail FROM alert_history ORDER BY at DESC, seq DESC LIMIT ?', [limit]);
      return rows.map((r) => ({
        at: Number(r.at),
        rule: r.rule,
        event: r.event,
        severity: r.severity,
        ...(r.value === null ? {} : { value: Number(r.value) }),
        ...(r.detail === null ? {} : { detail: r.detail }),
      }));
    },
  };
}
