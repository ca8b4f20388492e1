/**
 * How the audit log is stored: its tables (migrations `security-003-audit-log` and
 * `security-004-audit-checkpoints`), an entry to and from a row, a filter as a WHERE clause, and the
 * append itself: one transaction that locks the single head row (`SELECT ... FOR UPDATE` on
 * PostgreSQL; SQLite's transaction holds the write lock), so appends from several processes on one
 * database extend one chain.
 */
import type { Migration, Queryable, ReadQueryable, SqlValue } from '../storage/types.js';
import { type AuditCheckpoint, type AuditEntry, type ChainedEntry, GENESIS_HASH, entryHash } from './audit-chain.js';

const AUDIT_TABLES = `CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT PRIMARY KEY,
  time BIGINT NOT NULL,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  request_id TEXT,
  source TEXT,
  outcome TEXT NOT NULL,
  status INTEGER,
  tags TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log (time);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
`;

/** The entries, in chain order, and the head row every append locks. */
export const auditLogMigration: Migration = {
  id: 'security-003-audit-log',
  up: {
    // The tables are the same on both engines; only the head row's insert-if-absent is spelled differently.
    sqlite: `${AUDIT_TABLES}INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}')`,
    postgres: `${AUDIT_TABLES}INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}') ON CONFLICT (id) DO NOTHING`,
  },
};

/** Signed heads of the chain, newest by seq last. */
export const auditCheckpointsMigration: Migration = {
  id: 'security-004-audit-checkpoints',
  up: `CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  time BIGINT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_checkpoints_seq ON audit_checkpoints (seq)`,
};

export const auditMigrations: readonly Migration[] = [auditLogMigration, auditCheckpointsMigration];

interface EntryRow {
  [key: string]: unknown;
  seq: number;
  time: number;
  actor: string;
  actor_kind: string;
  action: string;
  target: string | null;
  before_json: string;
  after_json: string;
  request_id: string | null;
  source: string | null;
  outcome: AuditEntry['outcome'];
  status: number | null;
  tags: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, time, actor, actor_kind, action, target, before_json, after_json, request_id, source, outcome, status, tags, prev_hash, hash';

/** A row as the chain sees it. A column that no longer parses is kept as its text, so verify reports an edit rather than throwing. */
export function fromRow(row: EntryRow): ChainedEntry {
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  const tags = json(row.tags);
  return {
    seq: Number(row.seq),
    time: Number(row.time),
    actor: row.actor,
    actorKind: row.actor_kind,
    action: row.action,
    target: row.target,
    before: json(row.before_json),
    after: json(row.after_json),
    requestId: row.request_id,
    source: row.source,
    outcome: row.outcome,
    status: row.status === null ? null : Number(row.status),
    tags: Array.isArray(tags) ? (tags as string[]) : [String(tags)],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** What to read back. Times are milliseconds since the epoch; `afterSeq` pages through the log. */
export interface AuditFilter {
  since?: number;
  until?: number;
  actor?: string;
  action?: string;
  afterSeq?: number;
  limit?: number;
  /** Newest first (the API's default) or oldest first (export, verify). */
  order?: 'asc' | 'desc';
}

export async function selectEntries(db: ReadQueryable, filter: AuditFilter): Promise<ChainedEntry[]> {
  const parts: string[] = [];
  const values: SqlValue[] = [];
  const add = (sql: string, value: SqlValue | undefined): void => {
    if (value === undefined) return;
    parts.push(sql);
    values.push(value);
  };
  add('time >= ?', filter.since);
  add('time < ?', filter.until);
  add('actor = ?', filter.actor);
  add('action = ?', filter.action);
  add(filter.order === 'desc' ? 'seq < ?' : 'seq > ?', filter.afterSeq);
  const where = parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '';
  const limit = filter.limit !== undefined ? ` LIMIT ${Math.floor(filter.limit)}` : '';
  const rows = await db.all<EntryRow>(`SELECT ${COLUMNS} FROM audit_log${where} ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'}${limit}`, values);
  return rows.map(fromRow);
}

/** The entry without its seq: what a caller appends. */
export type NewEntry = Omit<AuditEntry, 'seq'>;

/**
 * Appends one entry in `tx`, a transaction: locks the head, chains the entry to it, writes both.
 * On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
 */
export async function appendInTransaction(tx: Queryable, key: Buffer, entry: NewEntry): Promise<ChainedEntry> {
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const head = await tx.one<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
  if (!head) throw new Error('audit_head: the head row is missing (run the security-003-audit-log migration)');
  const chained: AuditEntry = { ...entry, seq: Number(head.seq) + 1 };
  const hash = entryHash(key, head.hash, chained);
  await tx.run(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    chained.seq,
    chained.time,
    chained.actor,
    chained.actorKind,
    chained.action,
    chained.target,
    JSON.stringify(chained.before),
    JSON.stringify(chained.after),
    chained.requestId,
    chained.source,
    chained.outcome,
    chained.status,
    JSON.stringify(chained.tags),
    head.hash,
    hash,
  ]);
  await tx.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [chained.seq, hash]);
  return { ...chained, prevHash: head.hash, hash };
}

export async function readHead(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  const head = await db.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
}

export async function latestCheckpoint(db: Queryable): Promise<AuditCheckpoint | undefined> {
  const row = await db.one<{ seq: number; hash: string; time: number; signature: string }>('SELECT seq, hash, time, signature FROM audit_checkpoints ORDER BY seq DESC, time DESC LIMIT 1');
  return row ? { seq: Number(row.seq), hash: row.hash, time: Number(row.time), signature: row.signature } : undefined;
}

export async function insertCheckpoint(db: Queryable, checkpoint: AuditCheckpoint): Promise<void> {
  await db.run('INSERT INTO audit_checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)', [checkpoint.seq, checkpoint.hash, checkpoint.time, checkpoint.signature]);
}
