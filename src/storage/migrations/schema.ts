import type { Migration } from '../types.js';

/**
 * The storage layer's own tables. Later features add theirs by passing more migrations to
 * `migrate()` (or the `migrations` option of a backend), with ids in their own area.
 */

/** Write ids already applied by the spool's replay, so a replayed write is never applied twice. */
export const appliedWritesMigration: Migration = {
  id: 'storage-001-applied-writes',
  up: `CREATE TABLE IF NOT EXISTS storage_applied_writes (
  write_id TEXT PRIMARY KEY,
  applied_at BIGINT NOT NULL
)`,
};

/** The order intent journal: one row per order the trading layer means to place. */
export const orderIntentsMigration: Migration = {
  id: 'storage-002-order-intents',
  up: {
    sqlite: `CREATE TABLE IF NOT EXISTS order_intents (
  intent_id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL UNIQUE,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL,
  amount REAL NOT NULL,
  price REAL,
  params TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  exchange_order_id TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_intents_state ON order_intents (state, created_at)`,
    postgres: `CREATE TABLE IF NOT EXISTS order_intents (
  intent_id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL UNIQUE,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL,
  amount DOUBLE PRECISION NOT NULL,
  price DOUBLE PRECISION,
  params TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  exchange_order_id TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_intents_state ON order_intents (state, created_at)`,
  },
};

/** Dead letters: operations that failed for good, kept for inspection and replay. */
export const deadLettersMigration: Migration = {
  id: 'storage-003-dead-letters',
  up: {
    sqlite: `CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  operation TEXT NOT NULL,
  payload TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_failed_at BIGINT NOT NULL,
  last_failed_at BIGINT NOT NULL,
  correlation_id TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  replay_attempts INTEGER NOT NULL DEFAULT 0,
  replayed_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_queue ON dead_letters (queue, status, seq)`,
    postgres: `CREATE TABLE IF NOT EXISTS dead_letters (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  operation TEXT NOT NULL,
  payload TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_failed_at BIGINT NOT NULL,
  last_failed_at BIGINT NOT NULL,
  correlation_id TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  replay_attempts INTEGER NOT NULL DEFAULT 0,
  replayed_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_queue ON dead_letters (queue, status, seq)`,
  },
};

/** Pending letters per queue, kept with every add, replay and purge: the size check is O(1), not a count. */
export const deadLetterCountsMigration: Migration = {
  id: 'storage-004-dead-letter-counts',
  up: `CREATE TABLE IF NOT EXISTS dead_letter_counts (
  queue TEXT PRIMARY KEY,
  pending BIGINT NOT NULL
);
INSERT INTO dead_letter_counts (queue, pending)
SELECT queue, COUNT(*) FROM dead_letters WHERE status = 'pending' GROUP BY queue`,
};

/** Operator actions that must survive a restart (kill switch, breaker isolations, alert rule changes), with who and when. */
export const operatorSettingsMigration: Migration = {
  id: 'storage-005-operator-settings',
  up: `CREATE TABLE IF NOT EXISTS operator_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  set_at BIGINT NOT NULL
)`,
};

/** The newest intents first (the dashboard's orders view, `listRecent`) read an index, not a sort of the whole journal. */
export const orderIntentsCreatedMigration: Migration = {
  id: 'storage-006-order-intents-created',
  up: 'CREATE INDEX IF NOT EXISTS order_intents_created ON order_intents (created_at, intent_id)',
};

/** Applied at start-up by every backend unless told otherwise. */
export const storageMigrations: readonly Migration[] = [
  appliedWritesMigration,
  orderIntentsMigration,
  deadLettersMigration,
  deadLetterCountsMigration,
  operatorSettingsMigration,
  orderIntentsCreatedMigration,
];
