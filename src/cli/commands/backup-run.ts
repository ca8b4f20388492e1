/** What `bulwark backup ...` runs (see backup.ts); loaded only when one of its subcommands runs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BackupManifest, type BackupProgress, backups, type RestoreResult } from '../../backup/index.js';
import { backupManifestKeys, loadServerKey, SERVER_KEY_DEFAULTS } from '../../security/server-key.js';
import { type DataLocation, locateData } from '../data-location.js';
import { progressWriter } from '../progress.js';
import { BACKUP_COMMAND_DEFAULTS, type BackupCommandDeps, type CreateFlags, type ListFlags, type LocationFlags, type PruneFlags, RESTORABLE_KINDS, type RestoreFlags } from './backup.js';

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
    lines.push(`not restored here: state of provider(s) ${skippedProviders.join(', ')} (give --config FILE of a PostgreSQL service, or restore it from the application that registers them)`);
  }
  return `${lines.join('\n')}\n`;
}

interface Session {
  location: DataLocation;
  dir: string;
  deps: Required<Pick<BackupCommandDeps, 'stdout' | 'stderr' | 'env'>> & BackupCommandDeps;
}

async function session(flags: LocationFlags, deps: BackupCommandDeps): Promise<Session> {
  const env = deps.env ?? process.env;
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const fromEnv = env.BULWARK_BACKUP_DIR !== undefined && env.BULWARK_BACKUP_DIR !== '' ? env.BULWARK_BACKUP_DIR : undefined;
  return { location, dir: flags.dir ?? fromEnv ?? location.backupsDir, deps: { ...deps, stdout: deps.stdout ?? process.stdout, stderr: deps.stderr ?? process.stderr, env } };
}

/**
 * The key manifests are signed and checked with: the service's (the one `bulwark start` uses for this
 * data directory, or BULWARK_SECURITY_KEY). Made when the data directory exists and has none yet;
 * none at all when there is no data directory (then manifests are neither signed nor checked).
 */
function serviceManifestKeys(s: Session): ReturnType<typeof backupManifestKeys> | undefined {
  const { location } = s;
  const fromEnv = s.deps.env.BULWARK_SECURITY_KEY;
  const file = location.keyFile ?? join(location.dataDir, SERVER_KEY_DEFAULTS.fileName);
  if ((fromEnv === undefined || fromEnv === '') && !existsSync(file) && !existsSync(location.dataDir)) return undefined;
  return backupManifestKeys(loadServerKey({ dataDir: location.dataDir, env: s.deps.env, file, ...(location.previousKeyFiles ? { previousKeyFiles: location.previousKeyFiles } : {}) }));
}

function open(s: Session, sources: { config?: string[]; data?: string[]; sqlite?: string[] } = {}) {
  const manifestKeys = serviceManifestKeys(s);
  const store = backups({
    dir: s.dir,
    configFiles: sources.config ?? [],
    dataPaths: sources.data ?? [],
    sqliteDatabases: sources.sqlite ?? [],
    ...(manifestKeys ?? {}),
    ...(s.deps.clock ? { clock: s.deps.clock } : {}),
  });
  const progress = progressWriter<BackupProgress>(s.deps.stderr, {
    minTotal: BACKUP_COMMAND_DEFAULTS.progressMinBytes,
    done: (p) => p.doneBytes,
    total: (p) => p.totalBytes,
    bar: (p) => ({
      label: p.operation === 'create' ? 'backing up' : 'restoring',
      detail: `${formatBytes(p.doneBytes)} / ${formatBytes(p.totalBytes)}  file ${p.doneFiles}/${p.totalFiles}`,
    }),
    line: (p, step) => `${p.operation === 'create' ? 'backing up' : 'restoring'} ${p.id}: ${step}% (${formatBytes(p.doneBytes)} of ${formatBytes(p.totalBytes)})`,
  });
  store.on('progress', (p) => progress.update(p));
  return { store, progress };
}

/** The service's own sources: its SQLite database and its configuration file. */
/** The service's own files: its SQLite database (where it is, or will be) and its configuration file. */
function serviceTargets(s: Session): { config: string[]; sqlite: string[] } {
  const { location } = s;
  return { config: location.configFile !== undefined ? [location.configFile] : [], sqlite: location.storage.kind === 'sqlite' ? [location.storage.path] : [] };
}

function serviceSources(s: Session): { config: string[]; sqlite: string[] } {
  const { location } = s;
  const sqlite = location.storage.kind === 'sqlite' && existsSync(location.storage.path) ? [location.storage.path] : [];
  const config = location.configFile !== undefined ? [location.configFile] : [];
  if (sqlite.length === 0 && config.length === 0) {
    const path = location.storage.kind === 'sqlite' ? location.storage.path : location.dataDir;
    throw new Error(`nothing to back up: no database at ${path}; start the service first (bulwark start), give --data-dir or --config, or name files with --config-file, --data or --sqlite`);
  }
  if (location.storage.kind === 'postgres') {
    s.deps.stderr.write('note: the PostgreSQL tables are not in this backup; the running service backs them up (POST /api/backups)\n');
  }
  return { config, sqlite };
}

export async function backupCreate(opts: CreateFlags, deps: BackupCommandDeps): Promise<void> {
  const s = await session(opts, deps);
  const named = opts.configFile !== undefined || opts.data !== undefined || opts.sqlite !== undefined;
  const sources = named ? { config: opts.configFile ?? [], data: opts.data ?? [], sqlite: opts.sqlite ?? [] } : serviceSources(s);
  const { store, progress } = open(s, sources);
  let manifest: BackupManifest;
  try {
    manifest = await store.create({ type: opts.type, tags: opts.tag ?? [], description: opts.description });
  } finally {
    progress.end();
  }
  s.deps.stdout.write(
    opts.json ? `${JSON.stringify(manifest, null, 2)}\n` : `Created backup ${manifest.id} (${manifest.type}): ${manifest.fileCount} files, ${formatBytes(manifest.bytes)} in ${store.dir}\n`,
  );
}

export async function backupList(opts: ListFlags, deps: BackupCommandDeps): Promise<void> {
  const s = await session(opts, deps);
  const { store } = open(s);
  const manifests = await store.list({ tag: opts.tag, type: opts.type, status: opts.status });
  s.deps.stdout.write(opts.json ? `${JSON.stringify(manifests, null, 2)}\n` : listText(manifests));
}

export async function backupVerify(id: string, opts: LocationFlags, deps: BackupCommandDeps): Promise<void> {
  const s = await session(opts, deps);
  const { store } = open(s);
  const manifest = await store.get(id);
  const problems = await store.verify(manifest.id);
  // Which service key signed the manifest: after a rotation, an older backup names a previous key.
  const signature = await store.signature(manifest.id);
  const signedBy = signature.check === 'valid' && signature.keyId !== undefined ? signature.keyId : undefined;
  if (opts.json) s.deps.stdout.write(`${JSON.stringify({ id: manifest.id, intact: problems.length === 0, ...(signedBy !== undefined ? { signedBy } : {}), problems }, null, 2)}\n`);
  if (problems.length > 0) {
    throw new Error(`backup ${manifest.id} is damaged: ${problems.map((p) => `${p.path} (${p.reason}${p.keyId !== undefined ? `: signed by ${p.keyId}, not a known key` : ''})`).join(', ')}`);
  }
  if (!opts.json) s.deps.stdout.write(`Backup ${manifest.id} is intact: ${manifest.fileCount} files match their SHA-256${signedBy !== undefined ? `; manifest signed by ${signedBy}` : ''}.\n`);
}

export async function backupRestore(id: string, opts: RestoreFlags, deps: BackupCommandDeps): Promise<void> {
  const s = await session(opts, deps);
  // Files go back to these targets, never to where a manifest says they came from (backup/restore-targets.ts).
  const named = opts.configFile !== undefined || opts.data !== undefined || opts.sqlite !== undefined;
  const { store, progress } = open(s, named ? { config: opts.configFile ?? [], data: opts.data ?? [], sqlite: opts.sqlite ?? [] } : serviceTargets(s));
  const manifest = await store.get(id);
  // Providers live in the application's process: the command line restores files and databases,
  // and a PostgreSQL service's tables when given its configuration (loaded only then: it brings PostgreSQL).
  const onPostgres = s.location.configFile !== undefined && s.location.storage.kind === 'postgres';
  const tables = onPostgres ? await import('./service-tables.js') : undefined;
  const service = tables && s.location.configFile ? await tables.openServiceTables(s.location.configFile) : undefined;
  try {
    if (tables && service) store.register(tables.SERVICE_TABLES_PROVIDER, service.provider);
    const registered = tables ? [tables.SERVICE_TABLES_PROVIDER] : [];
    const withState = manifest.providers.length > 0 && manifest.providers.every((p) => registered.includes(p)) && (opts.only === undefined || opts.only.includes('state'));
    const include = (opts.only ?? [...RESTORABLE_KINDS]).filter((k) => k !== 'state' || withState);
    const skipped = withState ? [] : manifest.providers;
    const result = await store.restore(manifest.id, { dryRun: opts.dryRun ?? false, include, acceptUnsigned: opts.acceptUnsigned ?? false });
    progress.end();
    s.deps.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : restoreText(result, skipped));
    if (!result.dryRun) {
      // In the restored database's own audit log (a restore brings back the log of its time, then this entry).
      const flags = s.location.configFile !== undefined ? { config: s.location.configFile } : { dataDir: s.location.dataDir };
      const after = { backup: manifest.id, added: result.added.length, changed: result.changed.length, unchanged: result.unchanged.length, providers: result.providers };
      await (await import('./audit-run.js')).recordCommand(flags, { action: 'backup.restore', target: manifest.id, after, tags: ['data-recovery'] }, { env: s.deps.env, stderr: s.deps.stderr });
    }
  } finally {
    progress.end();
    await service?.close();
  }
}

export async function backupRecover(opts: LocationFlags, deps: BackupCommandDeps): Promise<void> {
  const s = await session(opts, deps);
  const { store } = open(s);
  const result = await store.recover();
  if (result !== undefined && result.errors.length > 0) {
    const why = result.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    throw new Error(`recovery of the restore of ${result.backupId} met ${result.errors.length} error(s): ${why}`);
  }
  if (opts.json) {
    s.deps.stdout.write(`${JSON.stringify(result === undefined ? { outcome: 'nothing-to-recover' } : { backupId: result.backupId, outcome: result.outcome }, null, 2)}\n`);
    return;
  }
  if (result === undefined) {
    s.deps.stdout.write('No interrupted restore.\n');
    return;
  }
  s.deps.stdout.write(
    result.outcome === 'rolled-back'
      ? `Rolled back the interrupted restore of ${result.backupId}; the previous files are in place.\n`
      : `The restore of ${result.backupId} had completed; removed its leftover rollback copies.\n`,
  );
}

export async function backupPrune(opts: PruneFlags, deps: BackupCommandDeps): Promise<void> {
  if (opts.keepLast === undefined && opts.maxAgeDays === undefined) {
    throw new Error('give --keep-last N, --max-age-days D, or both');
  }
  const s = await session(opts, deps);
  const { store } = open(s);
  const result = await store.prune({ keepLast: opts.keepLast, maxAgeDays: opts.maxAgeDays, dryRun: opts.dryRun ?? false });
  if (opts.json) {
    s.deps.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const verb = result.dryRun ? 'Would remove' : 'Removed';
  s.deps.stdout.write(`${verb} ${result.removed.length} backup(s), kept ${result.kept.length}.\n${result.removed.map((id) => `  ${id}\n`).join('')}`);
}
