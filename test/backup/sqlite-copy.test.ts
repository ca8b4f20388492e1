import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backups, backupSqlite, restoreSqlite } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { START, tempDirs } from './fixtures.js';

const temp = tempDirs();

/** A WAL database with `rows` committed rows still in its -wal file, connection left open. */
function liveWalDatabase(path: string, rows: number): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0'); // keep every committed page in the -wal file
  db.exec('CREATE TABLE journal (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO journal (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`order-${i}`);
  })();
  return db;
}

const countRows = (path: string): number => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('SQLite online backup', () => {
  it('copies every committed row of a live WAL database while its writer stays open', async () => {
    const root = temp();
    const source = join(root, 'live.db');
    const writer = liveWalDatabase(source, 5000);
    try {
      const store = backups({ dir: join(root, 'backups'), sqliteDatabases: [source], clock: new ManualClock(START) });
      const manifest = await store.create({ type: 'data' });
      writer.prepare('INSERT INTO journal (body) VALUES (?)').run('after the backup');

      const copy = join(store.dir, manifest.id, manifest.files[0]!.path);
      expect(manifest.files[0]!.kind).toBe('sqlite');
      expect(countRows(copy)).toBe(5000);
      // Opening the copy read-only left its bytes alone: it still verifies.
      expect(await store.verify(manifest.id)).toEqual([]);
    } finally {
      writer.close();
    }
  });

  it('is needed: a raw copy of the same live file loses the rows still in the WAL', () => {
    const root = temp();
    const source = join(root, 'live.db');
    const writer = liveWalDatabase(source, 1000);
    try {
      copyFileSync(source, join(root, 'raw.db'));
      const raw = new Database(join(root, 'raw.db'), { readonly: true });
      const tables = raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'journal'").get() as { n: number };
      raw.close();
      expect(tables.n).toBe(0); // the table itself only exists in the -wal file
    } finally {
      writer.close();
    }
  });

  it('writes a backup into a database that another connection holds open, which then sees it', async () => {
    const root = temp();
    const live = liveWalDatabase(join(root, 'a.db'), 10);
    try {
      await backupSqlite(join(root, 'a.db'), join(root, 'snap.db'));
      live.prepare('DELETE FROM journal').run();
      await restoreSqlite(join(root, 'snap.db'), join(root, 'a.db'));
      expect((live.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n).toBe(10);
      expect(live.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      live.close();
    }
  });
});
