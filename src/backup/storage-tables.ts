/**
 * A backup state provider for a database the backup cannot copy as a file (PostgreSQL): the rows of
 * the named tables as JSON, restored in one transaction (each table emptied, then refilled). The
 * tables are Bulwark's own (the journal, dead letters, operator settings, alert history, API
 * tokens, the audit log, sealed secrets, the addresses tokens were seen from); a database administrator's `pg_dump` stays the tool for
 * everything else in the database.
 */
import type { Migration, Queryable, Row, SqlValue, Storage } from '../storage/types.js';
import type { StateProvider } from './provider.js';

/**
 * The tables a Bulwark service keeps in its database (migrations record themselves). A backup
 * carries what the service cannot do without after a restore, and nothing it may not hold:
 * - `security_tokens`: only slow hashes of the tokens, so the operators' tokens work again;
 * - `audit_log`, `audit_head`, `audit_checkpoints`: the chain and its signed heads, which verify
 *   only together (a restore brings back the log of the backup's time, as a SQLite file does);
 * - `secrets`: sealed under the key-encryption key, which is never in the backup;
 * - `security_token_addresses`: where each token was seen, so a restore does not make every
 *   address new to the threat rules.
 * Dashboard sessions (`security_sessions`) are left out: they live hours, and a restore must not
 * bring back sessions signed out since.
 */
export const SERVICE_TABLES = [
  'order_intents',
  'dead_letters',
  'dead_letter_counts',
  'operator_settings',
  'alert_history',
  'security_tokens',
  'audit_log',
  'audit_head',
  'audit_checkpoints',
  'secrets',
  'security_token_addresses',
] as const;

export interface StorageTablesOptions {
  /**
   * Applied before a restore, so a table the snapshot carries exists in the target (a database
   * that never ran the service, or one older than the table). Without them such a table is an error.
   */
  migrations?: readonly Migration[];
}

const tableName = /^[a-z_][a-z0-9_]{0,62}$/;

interface TablesSnapshot {
  format: 'bulwark-tables-1';
  tables: Record<string, Row[]>;
}

/** Whether `table` exists where the storage's queries look (PostgreSQL: its schema on the search path). */
async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const row =
    db.dialect === 'postgres'
      ? await db.one<{ [c: string]: unknown; t: string | null }>('SELECT to_regclass(?)::text AS t', [table])
      : await db.one<{ [c: string]: unknown; t: string | null }>("SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name = ?", [table]);
  return typeof row?.t === 'string';
}

export function storageTablesProvider(storage: Storage, tables: readonly string[] = SERVICE_TABLES, options: StorageTablesOptions = {}): StateProvider {
  for (const t of tables) if (!tableName.test(t)) throw new TypeError(`storageTablesProvider: "${t}" is not a plain table name`);
  return {
    async snapshot(): Promise<TablesSnapshot> {
      // One transaction: the tables are read at one point in time (PostgreSQL's snapshot at the first read).
      return storage.transaction(async (tx) => {
        const out: TablesSnapshot = { format: 'bulwark-tables-1', tables: {} };
        // A table not created yet (a part of the service never used) has nothing to keep: left out, and left alone by the restore.
        for (const t of tables) if (await tableExists(tx, t)) out.tables[t] = await tx.all(`SELECT * FROM ${t}`);
        return out;
      });
    },
    async restore(state: unknown): Promise<void> {
      const snap = state as Partial<TablesSnapshot> | null;
      if (!snap || snap.format !== 'bulwark-tables-1' || typeof snap.tables !== 'object' || snap.tables === null) throw new TypeError('storage tables backup: not a bulwark-tables-1 snapshot');
      const saved = snap.tables;
      if (options.migrations) await storage.migrate(options.migrations);
      await storage.transaction(async (tx) => {
        for (const t of tables) {
          const rows = saved[t];
          if (!Array.isArray(rows)) continue;
          if (!(await tableExists(tx, t))) throw new Error(`storage tables backup: table ${t} is in the backup but not in the database; run the service once (its migrations create it), then restore`);
          // A token revoked since the backup stays revoked: a restore never brings back a credential taken away.
          const revoked = t === 'security_tokens' ? await tx.all<{ [c: string]: unknown; id: string; revoked_at: number }>('SELECT id, revoked_at FROM security_tokens WHERE revoked_at IS NOT NULL') : [];
          await tx.run(`DELETE FROM ${t}`);
          for (const row of rows) {
            const columns = Object.keys(row);
            if (!columns.every((c) => tableName.test(c))) throw new TypeError(`storage tables backup: a column name of ${t} is not plain`);
            await tx.run(`INSERT INTO ${t} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c] as SqlValue));
          }
          for (const r of revoked) await tx.run('UPDATE security_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [r.revoked_at, r.id]);
        }
        // A serial column continues after the restored rows.
        if (storage.dialect === 'postgres' && tables.includes('dead_letters') && Array.isArray(saved.dead_letters)) {
          await tx.one("SELECT setval(pg_get_serial_sequence('dead_letters', 'seq'), COALESCE((SELECT MAX(seq) FROM dead_letters), 0) + 1, false) AS v");
        }
      });
    },
  };
}
