/**
 * `bulwark backup create | list | verify | restore [--dry-run] | recover | prune`: the command line over
 * `bulwark/backup`. Long copies show progress on stderr: a redrawn bar on a terminal, a line
 * every 25 % otherwise (logs stay readable).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type BackupManifest,
  type BackupProgress,
  type BackupType,
  backups,
  backupTypes,
  type RestoreResult,
  type SourceKind,
} from '../../backup/index.js';
import type { Clock } from '../../core/clock.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface BackupCommandDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
}

export const BACKUP_COMMAND_DEFAULTS = {
  // The embedded data directory's own backups folder, relative to where bulwark runs.
  dir: '.bulwark/backups',
  // Progress below 1 MiB would flash by unread; larger copies get a bar or periodic lines.
  progressMinBytes: 1024 * 1024,
};

const sourceKinds: readonly SourceKind[] = ['config', 'data', 'sqlite', 'state'];

function positiveNumber(name: string, integer: boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n)))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} > 0, got "${value}"`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function kindList(value: string): SourceKind[] {
  const kinds = value.split(',').map((s) => s.trim());
  const bad = kinds.find((k) => !(sourceKinds as readonly string[]).includes(k));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not one of ${sourceKinds.join(', ')}`);
  return kinds as SourceKind[];
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Renders progress events: a bar on a TTY, a line per 25 % elsewhere; silent for small copies. */
function progressPrinter(stream: OutputStream, minBytes: number): { update(p: BackupProgress): void; end(): void } {
  let lastShown = -1;
  let drawn = false;
  return {
    update(p) {
      if (p.totalBytes < minBytes) return;
      const percent = Math.floor((100 * p.doneBytes) / p.totalBytes);
      const verb = p.operation === 'create' ? 'backing up' : 'restoring';
      if (stream.isTTY) {
        if (percent === lastShown) return;
        const width = 30;
        const filled = Math.round((width * percent) / 100);
        stream.write(
          `\r${verb} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ` +
            `${formatBytes(p.doneBytes)} / ${formatBytes(p.totalBytes)}  file ${p.doneFiles}/${p.totalFiles}`,
        );
        drawn = true;
      } else {
        const step = Math.floor(percent / 25) * 25;
        if (step <= lastShown) return;
        stream.write(`${verb} ${p.id}: ${step}% (${formatBytes(p.doneBytes)} of ${formatBytes(p.totalBytes)})\n`);
        lastShown = step;
        return;
      }
      lastShown = percent;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function listText(manifests: BackupManifest[]): string {
  if (manifests.length === 0) return 'No backups.\n';
  const header = ['ID', 'TYPE', 'STATUS', 'CREATED', 'FILES', 'SIZE', 'TAGS', 'DESCRIPTION'];
  return table([
    header,
    ...manifests.map((m) => [m.id, m.type, m.status, m.createdAt, String(m.fileCount), formatBytes(m.bytes), m.tags.join(','), m.description]),
  ]);
}

function restoreText(result: RestoreResult, skippedProviders: string[]): string {
  const lines = [result.dryRun ? `Dry run of restoring ${result.id}; nothing was changed.` : `Restored ${result.id}.`];
  const section = (title: string, paths: string[]): void => {
    lines.push(`${title}: ${paths.length}`);
    for (const p of paths) lines.push(`  ${p}`);
  };
  section(result.dryRun ? 'would add' : 'added', result.added);
  section(result.dryRun ? 'would change' : 'changed', result.changed);
  section('unchanged', result.unchanged);
  if (result.providers.length > 0) section(result.dryRun ? 'would restore providers' : 'providers restored', result.providers);
  if (skippedProviders.length > 0) {
    lines.push(`not restored here: state of provider(s) ${skippedProviders.join(', ')} (restore it from the application that registers them)`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerBackup(program: Command, deps: BackupCommandDeps = {}): void {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const env = deps.env ?? process.env;
  const defaultDir = env.BULWARK_BACKUP_DIR ?? BACKUP_COMMAND_DEFAULTS.dir;
  const dirOption = (): Option => new Option('--dir <dir>', 'folder that holds the backups (env BULWARK_BACKUP_DIR)').default(defaultDir);
  const open = (dir: string, sources: { config?: string[]; data?: string[]; sqlite?: string[] } = {}) => {
    const store = backups({
      dir,
      configFiles: sources.config ?? [],
      dataPaths: sources.data ?? [],
      sqliteDatabases: sources.sqlite ?? [],
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    const progress = progressPrinter(stderr, BACKUP_COMMAND_DEFAULTS.progressMinBytes);
    store.on('progress', (p) => progress.update(p));
    return { store, progress };
  };

  const backup = program.command('backup').description('create, list, verify, restore, recover and prune backups');

  backup
    .command('create')
    .description('back up configuration files, data paths and SQLite databases')
    .addOption(dirOption())
    .addOption(new Option('--type <type>', 'what to back up').choices(backupTypes as string[]).default('full'))
    .option('--config <file>', 'configuration file (repeatable)', collect)
    .option('--data <path>', 'data file or directory (repeatable)', collect)
    .option('--sqlite <file>', 'SQLite database, copied with the online backup API (repeatable)', collect)
    .option('--tag <tag>', 'label to find the backup by (repeatable)', collect)
    .option('--description <text>', 'free text kept in the manifest', '')
    .option('--json', 'print the manifest as JSON')
    .action(
      async (opts: { dir: string; type: BackupType; config?: string[]; data?: string[]; sqlite?: string[]; tag?: string[]; description: string; json?: boolean }) => {
        if (!opts.config && !opts.data && !opts.sqlite) {
          throw new Error('backup create: nothing to back up; give --config, --data or --sqlite');
        }
        const { store, progress } = open(opts.dir, opts);
        try {
          const manifest = await store.create({ type: opts.type, tags: opts.tag ?? [], description: opts.description });
          progress.end();
          stdout.write(
            opts.json
              ? `${JSON.stringify(manifest, null, 2)}\n`
              : `Created backup ${manifest.id} (${manifest.type}): ${manifest.fileCount} files, ${formatBytes(manifest.bytes)} in ${store.dir}\n`,
          );
        } finally {
          progress.end();
        }
      },
    );

  backup
    .command('list')
    .description('list backups, newest first')
    .addOption(dirOption())
    .option('--tag <tag>', 'only backups with this tag')
    .addOption(new Option('--type <type>', 'only backups of this type').choices(backupTypes as string[]))
    .addOption(new Option('--status <status>', 'only backups with this status').choices(['in-progress', 'complete', 'failed']))
    .option('--json', 'print the manifests as JSON')
    .action(async (opts: { dir: string; tag?: string; type?: BackupType; status?: BackupManifest['status']; json?: boolean }) => {
      const { store } = open(opts.dir);
      const manifests = await store.list({ tag: opts.tag, type: opts.type, status: opts.status });
      stdout.write(opts.json ? `${JSON.stringify(manifests, null, 2)}\n` : listText(manifests));
    });

  backup
    .command('verify')
    .description('check every file of a backup against its manifest checksums')
    .argument('<id>', 'backup id, or "latest"')
    .addOption(dirOption())
    .action(async (id: string, opts: { dir: string }) => {
      const { store } = open(opts.dir);
      const manifest = await store.get(id);
      const problems = await store.verify(manifest.id);
      if (problems.length > 0) {
        throw new Error(`backup ${manifest.id} is damaged: ${problems.map((p) => `${p.path} (${p.reason})`).join(', ')}`);
      }
      stdout.write(`Backup ${manifest.id} is intact: ${manifest.fileCount} files match their SHA-256.\n`);
    });

  backup
    .command('restore')
    .description('verify every checksum, then restore; all or nothing')
    .argument('<id>', 'backup id, or "latest"')
    .addOption(dirOption())
    .option('--dry-run', 'say what would change and change nothing')
    .option('--only <kinds>', `comma-separated kinds to restore (${sourceKinds.filter((k) => k !== 'state').join(', ')})`, kindList)
    .option('--json', 'print the result as JSON')
    .option('--service-config <file>', "the service's configuration: on PostgreSQL its tables (provider postgres-tables) are restored too; stop the service first")
    .action(async (id: string, opts: { dir: string; dryRun?: boolean; only?: SourceKind[]; json?: boolean; serviceConfig?: string }) => {
      const { store, progress } = open(opts.dir);
      const manifest = await store.get(id);
      // Providers live in the application's process: the command line restores files and databases,
      // and the service's PostgreSQL tables when given its configuration.
      // Loaded only when asked for: it brings the server's configuration and PostgreSQL.
      const tables = opts.serviceConfig ? await import('./service-tables.js') : undefined;
      const service = tables && opts.serviceConfig ? await tables.openServiceTables(opts.serviceConfig) : undefined;
      try {
        if (tables && service) store.register(tables.SERVICE_TABLES_PROVIDER, service.provider);
        const registered = tables ? [tables.SERVICE_TABLES_PROVIDER] : [];
        const withState = manifest.providers.length > 0 && manifest.providers.every((p) => registered.includes(p)) && (opts.only === undefined || opts.only.includes('state'));
        const include = (opts.only ?? sourceKinds).filter((k) => k !== 'state' || withState);
        const skipped = withState ? [] : manifest.providers;
        const result = await store.restore(manifest.id, { dryRun: opts.dryRun ?? false, include });
        progress.end();
        stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : restoreText(result, skipped));
      } finally {
        progress.end();
        await service?.close();
      }
    });

  backup
    .command('recover')
    .description('undo a restore that was interrupted (or clean up after one that had finished)')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const { store } = open(opts.dir);
      const result = await store.recover();
      if (result === undefined) {
        stdout.write('No interrupted restore.\n');
        return;
      }
      if (result.errors.length > 0) {
        const why = result.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
        throw new Error(`recovery of the restore of ${result.backupId} met ${result.errors.length} error(s): ${why}`);
      }
      stdout.write(
        result.outcome === 'rolled-back'
          ? `Rolled back the interrupted restore of ${result.backupId}; the previous files are in place.\n`
          : `The restore of ${result.backupId} had completed; removed its leftover rollback copies.\n`,
      );
    });

  backup
    .command('prune')
    .description('remove backups outside the retention rule (the newest complete one is always kept)')
    .addOption(dirOption())
    .option('--keep-last <n>', 'keep the newest N complete backups', positiveNumber('--keep-last', true))
    .option('--max-age-days <d>', 'keep complete backups younger than D days', positiveNumber('--max-age-days', false))
    .option('--dry-run', 'say what would be removed and remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dir: string; keepLast?: number; maxAgeDays?: number; dryRun?: boolean; json?: boolean }) => {
      if (opts.keepLast === undefined && opts.maxAgeDays === undefined) {
        throw new Error('backup prune: give --keep-last N, --max-age-days D, or both');
      }
      const { store } = open(opts.dir);
      const result = await store.prune({ keepLast: opts.keepLast, maxAgeDays: opts.maxAgeDays, dryRun: opts.dryRun ?? false });
      if (opts.json) {
        stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const verb = result.dryRun ? 'Would remove' : 'Removed';
      stdout.write(`${verb} ${result.removed.length} backup(s), kept ${result.kept.length}.\n${result.removed.map((id) => `  ${id}\n`).join('')}`);
    });
}
