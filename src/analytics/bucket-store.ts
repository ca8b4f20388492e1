/**
 * The recording's rows in the configured storage (SQLite or PostgreSQL): one row per tier,
 * dependency, instance and bucket, with the outcome counts as columns and the two latency
 * sketches as bytes. Each process writes only rows of its own `instance`, so several processes
 * sharing a PostgreSQL never race on a row; a read merges the instances.
 */
import type { Migration, Storage } from '../storage/types.js';
import type { Cell } from './cell.js';
import { mergeCell, newCell } from './cell.js';
import { type SketchOptions, decodeSketch, encodeSketch } from './latency-sketch.js';
import type { Outcome, OutcomeCounts } from './outcomes.js';

const bucketColumns = `tier_ms BIGINT NOT NULL,
  dependency TEXT NOT NULL,
  instance TEXT NOT NULL,
  bucket_start BIGINT NOT NULL,
  success BIGINT NOT NULL,
  failure BIGINT NOT NULL,
  timeout BIGINT NOT NULL,
  rejected BIGINT NOT NULL`;
const bucketKey = 'PRIMARY KEY (tier_ms, dependency, bucket_start, instance)';

export const analyticsBucketsMigration: Migration = {
  id: 'analytics-001-buckets',
  up: {
    sqlite: `CREATE TABLE IF NOT EXISTS analytics_buckets (
  ${bucketColumns},
  success_latency BLOB NOT NULL,
  failure_latency BLOB NOT NULL,
  ${bucketKey}
);
CREATE INDEX IF NOT EXISTS analytics_buckets_age ON analytics_buckets (tier_ms, bucket_start)`,
    postgres: `CREATE TABLE IF NOT EXISTS analytics_buckets (
  ${bucketColumns},
  success_latency BYTEA NOT NULL,
  failure_latency BYTEA NOT NULL,
  ${bucketKey}
);
CREATE INDEX IF NOT EXISTS analytics_buckets_age ON analytics_buckets (tier_ms, bucket_start)`,
  },
};

export interface BucketRow {
  dependency: string;
  bucketStart: number;
  cell: Cell;
}

interface StoredRow extends Record<string, unknown> {
  dependency: string;
  instance: string;
  bucket_start: number | string;
  success: number | string;
  failure: number | string;
  timeout: number | string;
  rejected: number | string;
  success_latency: Uint8Array;
  failure_latency: Uint8Array;
}

export interface BucketStore {
  /** Writes (replaces) this instance's rows of a tier, all in one transaction. */
  write(tierMs: number, instance: string, rows: readonly BucketRow[]): Promise<void>;
  /** This instance's row of a bucket, if written. */
  readOwn(tierMs: number, dependency: string, instance: string, bucketStart: number): Promise<BucketRow | undefined>;
  /** The buckets of `dependency` starting in [fromMs, toMs), instances merged, oldest first. */
  read(tierMs: number, dependency: string, fromMs: number, toMs: number): Promise<BucketRow[]>;
  /** The outcome counts of `dependency` summed over buckets starting in [fromMs, toMs) (no sketch decoded). */
  sums(tierMs: number, dependency: string, fromMs: number, toMs: number): Promise<OutcomeCounts>;
  /** The successful calls' latency sketches of `dependency` (encoded) over buckets starting in [fromMs, toMs). */
  successLatencies(tierMs: number, dependency: string, fromMs: number, toMs: number): Promise<Uint8Array[]>;
  /** Names with a bucket starting in [fromMs, toMs). */
  dependencies(tierMs: number, fromMs: number, toMs: number): Promise<string[]>;
  /** Deletes the tier's buckets that start before `beforeMs`; resolves with how many. */
  prune(tierMs: number, beforeMs: number): Promise<number>;
  /** Rows held per tier (for the size bound). */
  rowCount(tierMs: number): Promise<number>;
}

/** The store over `storage`; applies the migration first. */
export async function bucketStore(storage: Storage, sketchOptions: Required<SketchOptions>): Promise<BucketStore> {
  await storage.migrate([analyticsBucketsMigration]);
  const toRow = (r: StoredRow): BucketRow => ({
    dependency: r.dependency,
    bucketStart: Number(r.bucket_start),
    cell: {
      counts: { success: Number(r.success), failure: Number(r.failure), timeout: Number(r.timeout), rejected: Number(r.rejected) },
      successLatency: decodeSketch(r.success_latency, sketchOptions),
      failureLatency: decodeSketch(r.failure_latency, sketchOptions),
    },
  });
  const columns = 'dependency, instance, bucket_start, success, failure, timeout, rejected, success_latency, failure_latency';
  return {
    async write(tierMs, instance, rows) {
      if (rows.length === 0) return;
      await storage.transaction(async (tx) => {
        for (const { dependency, bucketStart, cell } of rows) {
          const { counts } = cell;
          await tx.run(
            `INSERT INTO analytics_buckets (tier_ms, ${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tier_ms, dependency, bucket_start, instance) DO UPDATE SET success = excluded.success, failure = excluded.failure, timeout = excluded.timeout,
  rejected = excluded.rejected, success_latency = excluded.success_latency, failure_latency = excluded.failure_latency`,
            [
              tierMs,
              dependency,
              instance,
              bucketStart,
              counts.success,
              counts.failure,
              counts.timeout,
              counts.rejected,
              encodeSketch(cell.successLatency, sketchOptions),
              encodeSketch(cell.failureLatency, sketchOptions),
            ],
          );
        }
      });
    },
    async readOwn(tierMs, dependency, instance, bucketStart) {
      const row = await storage.one<StoredRow>(`SELECT ${columns} FROM analytics_buckets WHERE tier_ms = ? AND dependency = ? AND bucket_start = ? AND instance = ?`, [
        tierMs,
        dependency,
        bucketStart,
        instance,
      ]);
      return row ? toRow(row) : undefined;
    },
    async read(tierMs, dependency, fromMs, toMs) {
      const rows = await storage.all<StoredRow>(
        `SELECT ${columns} FROM analytics_buckets WHERE tier_ms = ? AND dependency = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start, instance`,
        [tierMs, dependency, fromMs, toMs],
      );
      const merged: BucketRow[] = [];
      for (const row of rows.map(toRow)) {
        const last = merged.at(-1);
        if (last && last.bucketStart === row.bucketStart) mergeCell(last.cell, row.cell);
        else merged.push({ dependency, bucketStart: row.bucketStart, cell: mergeInto(row.cell, sketchOptions) });
      }
      return merged;
    },
    async sums(tierMs, dependency, fromMs, toMs) {
      const row = await storage.one<Record<Outcome, number | string | null>>(
        'SELECT SUM(success) AS success, SUM(failure) AS failure, SUM(timeout) AS timeout, SUM(rejected) AS rejected FROM analytics_buckets WHERE tier_ms = ? AND dependency = ? AND bucket_start >= ? AND bucket_start < ?',
        [tierMs, dependency, fromMs, toMs],
      );
      return { success: Number(row?.success ?? 0), failure: Number(row?.failure ?? 0), timeout: Number(row?.timeout ?? 0), rejected: Number(row?.rejected ?? 0) };
    },
    async successLatencies(tierMs, dependency, fromMs, toMs) {
      const rows = await storage.all<{ success_latency: Uint8Array }>(
        'SELECT success_latency FROM analytics_buckets WHERE tier_ms = ? AND dependency = ? AND bucket_start >= ? AND bucket_start < ?',
        [tierMs, dependency, fromMs, toMs],
      );
      return rows.map((r) => r.success_latency);
    },
    async dependencies(tierMs, fromMs, toMs) {
      const rows = await storage.all<{ dependency: string }>(
        'SELECT DISTINCT dependency FROM analytics_buckets WHERE tier_ms = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY dependency',
        [tierMs, fromMs, toMs],
      );
      return rows.map((r) => r.dependency);
    },
    async prune(tierMs, beforeMs) {
      const { changes } = await storage.run('DELETE FROM analytics_buckets WHERE tier_ms = ? AND bucket_start < ?', [tierMs, beforeMs]);
      return changes;
    },
    async rowCount(tierMs) {
      const row = await storage.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM analytics_buckets WHERE tier_ms = ?', [tierMs]);
      return Number(row?.n ?? 0);
    },
  };
}

/** A fresh cell holding `cell`, so merging later rows never changes a decoded row in place. */
function mergeInto(cell: Cell, options: Required<SketchOptions>): Cell {
  const fresh = newCell(options);
  mergeCell(fresh, cell);
  return fresh;
}
