/**
 * Child process for the crash test: starts a restore whose provider never returns, says so on
 * stdout once the files and databases have been replaced, and waits to be killed with SIGKILL.
 * Usage: restore-then-hang.ts <backup dir> <backup id> <config file> <sqlite database> (the restore's targets)
 */
import { backups } from '../../../src/backup/index.js';

const [dir, id, configFile, database] = process.argv.slice(2);
if (dir === undefined || id === undefined || configFile === undefined || database === undefined) throw new Error('usage: restore-then-hang.ts <dir> <id> <config file> <database>');
const store = backups({ dir, configFiles: [configFile], sqliteDatabases: [database] });
store.register('hangs', {
  snapshot: async () => ({ v: 0 }),
  restore: () => {
    process.stdout.write('replaced\n');
    return new Promise<void>(() => {
      setInterval(() => undefined, 60_000); // keep the process alive until it is killed
    });
  },
});
void store.restore(id);
