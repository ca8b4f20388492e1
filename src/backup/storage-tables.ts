/**
 * A backup state provider for a database the backup cannot copy as a file (PostgreSQL): the rows of
 * the named tables as JSON, restored in one transaction (each table emptied, then refilled). The
 * tables are Bulwark's own (the journal, dead letters, operator settings, alert history); a
 * database administrator's `pg_dump` stays the tool for everything else in the database.
 */
import type { Row, SqlValue, Storage } from '../storage/types.js';
import type { StateProvider } from './provider.js';

/** The tables a Bulwark service keeps in its database (migrations record themselves). */
export const SERVICE_TABLES = ['order_intents', 'dead_letters', 'dead_letter_counts', 'operator_settings', 'alert_history'] as const;

const tableName = /^[a-z_][a-z0-9_]{0,62}$/;

interface TablesSnapshot {
  format: 'bulwark-tables-1';
  tables: Record<string, Row[]>;
}

export function storageTablesProvider(storage: Storage, tables: readonly string[] = SERVICE_TABLES): StateProvider {
  for (const t of tables) if (!tableName.test(t)) throw new TypeError(`storageTablesProvider: "${t}" is not a plain table name`);
  return {
    async snapshot(): Promise<TablesSnapshot> {
      // One transaction: the tables are read at one point in time (PostgreSQL's snapshot at the first read).
      return storage.transaction(async (tx) => {
        const out: TablesSnapshot = { format: 'bulwark-tables-1', tables: {} };
        for (const t of tables) out.tables[t] = await tx.all(`SELECT * FROM ${t}`);
        return out;
      });
    },
    async restore(state: unknown): Promise<void> {
      const snap = state as Partial<TablesSnapshot> | null;
      if (!snap || snap.format !== 'bulwark-tables-1' || typeof snap.tables !== 'object' || snap.tables === null) throw new TypeError('storage tables backup: not a bulwark-tables-1 snapshot');
      const saved = snap.tables;
      await storage.transaction(async (tx) => {
        for (const t of tables) {
          const rows = saved[t];
          if (!Array.isArray(rows)) continue;
          await tx.run(`DELETE FROM ${t}`);
          for (const row of rows) {
            const columns = Object.keys(row);
            if (!columns.every((c) => tableName.test(c))) throw new TypeError(`storage tables backup: a column name of ${t} is not plain`);
            await tx.run(`INSERT INTO ${t} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c] as SqlValue));
          }
        }
        // A serial column continues after the restored rows.
        if (storage.dialect === 'postgres' && tables.includes('dead_letters')) {
          await tx.one("SELECT setval(pg_get_serial_sequence('dead_letters', 'seq'), COALESCE((SELECT MAX(seq) FROM dead_letters), 0) + 1, false) AS v");
        }
      });
    },
  };
}
