/**
 * The run journals in the configured storage (SQLite or PostgreSQL): one row per run with its
 * verdict and score as columns (for `chaos list` and the score over time) and the whole journal
 * as JSON (for `chaos report`). `chaosRunStore()` applies its migration.
 */
import type { Migration, Storage } from '../../storage/types.js';
import type { RunJournal, RunStatus } from './run-journal.js';

export const chaosRunsMigration: Migration = {
  id: 'chaos-001-runs',
  up: `CREATE TABLE IF NOT EXISTS chaos_runs (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  actor TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  score INTEGER,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  journal TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chaos_runs_started ON chaos_runs (started_at)`,
};

/** A run as `chaos list` shows it. */
export interface RunSummary {
  id: string;
  title: string;
  actor: string;
  status: RunStatus;
  reason: string | null;
  score: number | null;
  startedAt: number;
  endedAt: number | null;
}

export interface ChaosRunStore {
  save(journal: RunJournal): Promise<void>;
  get(id: string): Promise<RunJournal | undefined>;
  /** Newest first. */
  list(options?: { limit?: number; title?: string }): Promise<RunSummary[]>;
}

interface RunRow extends Record<string, unknown> {
  id: string;
  title: string;
  actor: string;
  status: RunStatus;
  reason: string | null;
  score: number | string | null;
  started_at: number | string;
  ended_at: number | string | null;
}

export const CHAOS_RUN_STORE_DEFAULTS = {
  listLimit: 50, // a screen of runs; older ones are a `limit` away
};

export async function chaosRunStore(storage: Storage): Promise<ChaosRunStore> {
  await storage.migrate([chaosRunsMigration]);
  return {
    async save(journal) {
      await storage.run(
        `INSERT INTO chaos_runs (id, title, actor, status, reason, score, started_at, ended_at, journal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason, score = excluded.score, ended_at = excluded.ended_at, journal = excluded.journal`,
        [journal.id, journal.title, journal.actor, journal.status, journal.reason ?? null, journal.score ?? null, journal.startedAt, journal.endedAt ?? null, JSON.stringify(journal)],
      );
    },
    async get(id) {
      const row = await storage.one<{ [c: string]: unknown; journal: string }>('SELECT journal FROM chaos_runs WHERE id = ?', [id]);
      return row ? (JSON.parse(row.journal) as RunJournal) : undefined;
    },
    async list({ limit = CHAOS_RUN_STORE_DEFAULTS.listLimit, title } = {}) {
      const columns = 'id, title, actor, status, reason, score, started_at, ended_at';
      const rows = title
        ? await storage.all<RunRow>(`SELECT ${columns} FROM chaos_runs WHERE title = ? ORDER BY started_at DESC, id LIMIT ?`, [title, limit])
        : await storage.all<RunRow>(`SELECT ${columns} FROM chaos_runs ORDER BY started_at DESC, id LIMIT ?`, [limit]);
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        actor: r.actor,
        status: r.status,
        reason: r.reason,
        score: r.score === null ? null : Number(r.score),
        startedAt: Number(r.started_at),
        endedAt: r.ended_at === null ? null : Number(r.ended_at),
      }));
    },
  };
}
