/**
 * `bulwark backup [create] | list | verify | restore [--dry-run] | recover | prune`: the command line
 * over `bulwark/backup`. The service's data is found the way `bulwark start` finds it (`--config`,
 * `--data-dir`, default ./.bulwark): `bulwark backup create` with no arguments, run where the
 * service runs, backs up its database (and its configuration file) into <dataDir>/backups. Long
 * copies show a progress bar on a terminal (src/cli/progress.ts). The work lives in backup-run.ts,
 * loaded only when a subcommand runs.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BackupManifest, BackupType, SourceKind } from '../../backup/manifest.js';
import type { Clock } from '../../core/clock.js';
import { DATA_LOCATION_DEFAULTS } from '../data-location.js';
import type { ProgressStream } from '../progress.js';
import { positiveIntegerArgument, positiveNumberArgument } from '../flags.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export type OutputStream = ProgressStream;

export interface BackupCommandDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
}

export const BACKUP_COMMAND_DEFAULTS = {
  // Progress below 1 MiB would flash by unread; larger copies get a bar or periodic lines.
  progressMinBytes: 1024 * 1024,
};

/** The backup types (backup/manifest.ts), written here so `--help` need not load the backup module. */
const BACKUP_TYPES = ['full', 'config', 'data', 'state'] as const satisfies readonly BackupType[];
export const RESTORABLE_KINDS = ['config', 'data', 'sqlite', 'state'] as const satisfies readonly SourceKind[];

export interface LocationFlags {
  dir?: string;
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export interface CreateFlags extends LocationFlags {
  type: BackupType;
  configFile?: string[];
  data?: string[];
  sqlite?: string[];
  tag?: string[];
  description: string;
}

export interface ListFlags extends LocationFlags {
  tag?: string;
  type?: BackupType;
  status?: BackupManifest['status'];
}

export interface RestoreFlags extends LocationFlags {
  dryRun?: boolean;
  only?: SourceKind[];
  /** Restore a backup whose manifest is unsigned (made before manifests were signed). */
  acceptUnsigned?: boolean;
  /** Targets, when the backup was made with named files (as `create --config-file/--data/--sqlite`). */
  configFile?: string[];
  data?: string[];
  sqlite?: string[];
}

export interface PruneFlags extends LocationFlags {
  keepLast?: number;
  maxAgeDays?: number;
  dryRun?: boolean;
}


const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function kindList(value: string): SourceKind[] {
  const kinds = value.split(',').map((s) => s.trim());
  const bad = kinds.find((k) => !(RESTORABLE_KINDS as readonly string[]).includes(k));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not one of ${RESTORABLE_KINDS.join(', ')}`);
  return kinds as SourceKind[];
}

/** --dir, --config, --data-dir and --json: where the backups and the service's data are. */
function locationOptions(command: Command): Command {
  return command
    .option('--dir <dir>', `folder that holds the backups (default: env BULWARK_BACKUP_DIR, else <dataDir>/${DATA_LOCATION_DEFAULTS.backups})`)
    .option('--config <file>', "the service's configuration file: its dataDir, and on PostgreSQL its tables")
    .option('--data-dir <dir>', `the demo service's data directory (default ${DATA_LOCATION_DEFAULTS.dataDir})`)
    .option('--json', 'print JSON on stdout');
}

export function registerBackup(program: Command, deps: BackupCommandDeps = {}): void {
  const run = async (): Promise<typeof import('./backup-run.js')> => import('./backup-run.js');
  const backup = program.command('backup').description('create, list, verify, restore, recover and prune backups');

  locationOptions(backup.command('create').description("back up the service's data, or the files named"))
    .addOption(new Option('--type <type>', 'what to back up').choices(BACKUP_TYPES).default('full'))
    .option('--config-file <file>', 'a configuration file to back up (repeatable)', collect)
    .option('--data <path>', 'a data file or directory to back up (repeatable)', collect)
    .option('--sqlite <file>', 'a SQLite database, copied with the online backup API (repeatable)', collect)
    .option('--tag <tag>', 'label to find the backup by (repeatable)', collect)
    .option('--description <text>', 'free text kept in the manifest', '')
    .action(async (opts: CreateFlags) => (await run()).backupCreate(opts, deps));

  locationOptions(backup.command('list').description('list backups, newest first'))
    .option('--tag <tag>', 'only backups with this tag')
    .addOption(new Option('--type <type>', 'only backups of this type').choices(BACKUP_TYPES))
    .addOption(new Option('--status <status>', 'only backups with this status').choices(['in-progress', 'complete', 'failed']))
    .action(async (opts: ListFlags) => (await run()).backupList(opts, deps));

  locationOptions(backup.command('verify').description('check every file of a backup against its manifest checksums'))
    .argument('<id>', 'backup id, or "latest"')
    .action(async (id: string, opts: LocationFlags) => (await run()).backupVerify(id, opts, deps));

  locationOptions(backup.command('restore').description('verify every checksum, then restore; all or nothing (stop the service first)'))
    .argument('<id>', 'backup id, or "latest"')
    .option('--dry-run', 'say what would change and change nothing')
    .option('--only <kinds>', `comma-separated kinds to restore (${RESTORABLE_KINDS.filter((k) => k !== 'state').join(', ')})`, kindList)
    .option('--accept-unsigned', 'restore a backup whose manifest carries no signature (made before manifests were signed); check it first')
    .option('--config-file <file>', 'restore target of the backup\'s configFiles[i], in the order given to create (repeatable)', collect)
    .option('--data <path>', 'restore target of the backup\'s dataPaths[i] (repeatable)', collect)
    .option('--sqlite <file>', 'restore target of the backup\'s sqliteDatabases[i] (repeatable)', collect)
    .action(async (id: string, opts: RestoreFlags) => (await run()).backupRestore(id, opts, deps));

  locationOptions(backup.command('recover').description('undo a restore that was interrupted (or clean up after one that had finished)')).action(async (opts: LocationFlags) =>
    (await run()).backupRecover(opts, deps),
  );

  locationOptions(backup.command('prune').description('remove backups outside the retention rule (the newest complete one is always kept)'))
    .option('--keep-last <n>', 'keep the newest N complete backups', positiveIntegerArgument('--keep-last'))
    .option('--max-age-days <d>', 'keep complete backups younger than D days', positiveNumberArgument('--max-age-days'))
    .option('--dry-run', 'say what would be removed and remove nothing')
    .action(async (opts: PruneFlags) => (await run()).backupPrune(opts, deps));
}
