/**
 * `backups({ dir })`: create, list, verify, restore and prune backups kept in `dir`. Each backup
 * is a folder `<dir>/<id>/` holding the copied files and a `manifest.json` that describes them,
 * so the backups describe themselves and survive the loss of any database.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkKeyBuffer, checkNonEmptyString, checkNumber, checkOneOf } from '../core/option-checks.js';
import { createBackup } from './create.js';
import { BackupCorruptError, BackupError, type VerificationProblem } from './errors.js';
import { type KeyedSignatureCheck, type ManifestKey, checkManifestSignatureWith } from './manifest-signature.js';
import { kindOf } from './files.js';
import { backupFreshnessCheck, type FreshnessOptions, type FreshnessResult } from './freshness.js';
import {
  type BackupManifest,
  type BackupStatus,
  type BackupType,
  type SourceKind,
  backupId,
  backupTypes,
  createdMs,
  kindsOfType,
  MANIFEST_FILE,
  readManifest,
} from './manifest.js';
import { type BackupProgress, type StateProvider, providerNamePattern } from './provider.js';
import { type RestoreOptions, type RestoreResult, restoreBackup, verifyBackup } from './restore.js';
import { type RecoveryResult, recoverRestore } from './restore-journal.js';
import { type RetentionRule, applyRetention, checkRetention } from './retention.js';

export interface BackupsOptions {
  /** Folder that holds the backups (created when missing). Required: backups need a home. */
  dir: string;
  /** Configuration files to back up. */
  configFiles?: readonly string[];
  /** Data paths to back up: files, or directories (taken whole, recursively). */
  dataPaths?: readonly string[];
  /** SQLite databases, copied with the online backup API (never as raw files). */
  sqliteDatabases?: readonly string[];
  /** Time source for creation times and ages. */
  clock?: Clock;
  /** Randomness for backup ids; inject a seeded one in tests. */
  random?: () => number;
  /**
   * Key that signs each manifest and checks it on verify and restore (the service passes
   * `loadServerKey(...).derive('backup-manifest')`). Without one, manifests are neither signed nor checked.
   */
  manifestKey?: Buffer;
  /** The id of the service key `manifestKey` is derived from (`loadServerKey(...).id`), written into each manifest. */
  manifestKeyId?: string;
  /** Manifest keys of previous service keys, still accepted on verify and restore after a key rotation. */
  previousManifestKeys?: readonly ManifestKey[];
}

export const BACKUPS_DEFAULTS = {
  // Nothing is backed up unless named: a backup tool must not guess what matters.
  configFiles: [] as readonly string[],
  dataPaths: [] as readonly string[],
  sqliteDatabases: [] as readonly string[],
  // Wall-clock time in production.
  clock: systemClock as Clock,
  // Only used for the id suffix; it need not be unpredictable.
  random: Math.random,
} satisfies Required<Omit<BackupsOptions, 'dir' | 'manifestKey' | 'manifestKeyId' | 'previousManifestKeys'>>;

export interface CreateOptions {
  /** What to back up; see BackupType. */
  type?: BackupType;
  /** Free labels to find the backup by, e.g. `nightly`, `pre-deploy`. */
  tags?: readonly string[];
  description?: string;
}

export const CREATE_DEFAULTS = {
  // A backup with everything is the one that can rebuild the service.
  type: 'full' as BackupType,
  // No labels unless given.
  tags: [] as readonly string[],
  description: '',
} satisfies Required<CreateOptions>;

export interface RestoreSignatureOptions {
  /** Restore a backup whose manifest carries no signature (made before manifests were signed). */
  acceptUnsigned?: boolean;
}

export const RESTORE_SIGNATURE_DEFAULTS = {
  acceptUnsigned: false, // an unsigned manifest may have been edited to drop its signature: the operator decides, knowingly
} satisfies Required<RestoreSignatureOptions>;

export interface ListFilter {
  /** Only backups carrying this tag. */
  tag?: string;
  type?: BackupType;
  status?: BackupStatus;
}

export interface PruneOptions extends RetentionRule {
  /** Keep complete backups younger than this many days (same as maxAgeMs = days * 86 400 000). */
  maxAgeDays?: number;
  /** Report what would be removed and remove nothing. */
  dryRun?: boolean;
}

export interface PruneResult {
  dryRun: boolean;
  removed: string[];
  kept: string[];
}

export interface BackupEvents {
  progress: BackupProgress;
  created: { manifest: BackupManifest };
  failed: { id: string; error: unknown };
  restored: RestoreResult;
  recovered: RecoveryResult;
  pruned: PruneResult;
  /** A folder in `dir` whose manifest could not be read; it is left out of lists. */
  invalid: { folder: string; error: unknown };
}

export interface Backups extends EventSource<BackupEvents> {
  readonly dir: string;
  /** Adds a state provider; returns a function that removes it. */
  register(name: string, provider: StateProvider): () => void;
  create(options?: CreateOptions): Promise<BackupManifest>;
  /** Backups newest first, filtered. */
  list(filter?: ListFilter): Promise<BackupManifest[]>;
  /** A backup's manifest; `latest` names the newest complete one. */
  get(id: string): Promise<BackupManifest>;
  /** Checks every file against the manifest; an empty list means the backup is intact. */
  verify(id: string): Promise<VerificationProblem[]>;
  /** Whether the manifest's signature checks out, and which service key id signed it (the current key or a previous one); `unsigned` without a manifestKey. */
  signature(id: string): Promise<KeyedSignatureCheck>;
  /** Restores to the targets configured on this instance; with a manifestKey, refuses an edited manifest, and an unsigned one unless `acceptUnsigned`. */
  restore(id: string, options?: RestoreOptions & RestoreSignatureOptions): Promise<RestoreResult>;
  /**
   * Finishes a restore that a crash interrupted (its journal is still in `dir`): undoes it, or
   * removes the leftovers of one that had completed. Resolves to undefined when there is none.
   */
  recover(): Promise<RecoveryResult | undefined>;
  prune(options: PruneOptions): Promise<PruneResult>;
  /** The newest complete backup and its age in ms, or undefined when there is none. */
  latest(): Promise<{ id: string; ageMs: number } | undefined>;
  /** Age in ms of the newest complete backup, or undefined when there is none. */
  latestBackupAge(): Promise<number | undefined>;
  /** A health check on this instance: see backupFreshnessCheck. */
  freshnessCheck(options: FreshnessOptions): () => Promise<FreshnessResult>;
}

const DAY_MS = 86_400_000;
const sourcesOf: Record<BackupType, string> = {
  full: 'configFiles, dataPaths, sqliteDatabases or register() a provider',
  config: 'configFiles',
  data: 'dataPaths or sqliteDatabases',
  state: 'a provider with register()',
};
const idPattern = /^[A-Za-z0-9._-]+$/;

function checkPaths(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new TypeError(`backups: ${name} must be an array of non-empty path strings`);
  }
  return value;
}

export function backups(options: BackupsOptions): Backups {
  checkNonEmptyString('backups', 'dir', options?.dir);
  const dir = resolve(options.dir);
  const configFiles = checkPaths('configFiles', options.configFiles ?? BACKUPS_DEFAULTS.configFiles);
  const dataPaths = checkPaths('dataPaths', options.dataPaths ?? BACKUPS_DEFAULTS.dataPaths);
  const sqliteDatabases = checkPaths('sqliteDatabases', options.sqliteDatabases ?? BACKUPS_DEFAULTS.sqliteDatabases);
  const clock = options.clock ?? BACKUPS_DEFAULTS.clock;
  const random = options.random ?? BACKUPS_DEFAULTS.random;
  const manifestKey = options.manifestKey;
  if (manifestKey !== undefined) checkKeyBuffer('backups', 'manifestKey', manifestKey, 16);
  const manifestKeyId = options.manifestKeyId;
  (options.previousManifestKeys ?? []).forEach((k, i) => checkKeyBuffer('backups', `previousManifestKeys[${i}].key`, k?.key, 16));
  const manifestKeys: ManifestKey[] = manifestKey ? [{ id: manifestKeyId ?? 'current', key: manifestKey }, ...(options.previousManifestKeys ?? [])] : [];
  // Messages name the backups folder by its name only: no server path in an error.
  const where = basename(dir);
  const providers = new Map<string, StateProvider>();
  const events = new Emitter<BackupEvents>();
  const emitProgress = (p: BackupProgress): void => events.emit('progress', p);

  async function all(): Promise<BackupManifest[]> {
    if ((await kindOf(dir)) !== 'directory') return [];
    const found: BackupManifest[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const folder = join(dir, entry.name);
      try {
        found.push(await readManifest(folder));
      } catch (error) {
        events.emit('invalid', { folder, error });
      }
    }
    return found.sort((a, b) => createdMs(b) - createdMs(a) || b.id.localeCompare(a.id));
  }

  async function latest(): Promise<{ id: string; ageMs: number } | undefined> {
    const newest = (await all()).find((m) => m.status === 'complete');
    return newest && { id: newest.id, ageMs: Math.max(0, clock.now() - createdMs(newest)) };
  }

  async function get(id: string): Promise<BackupManifest> {
    if (id === 'latest') {
      const newest = (await all()).find((m) => m.status === 'complete');
      if (!newest) throw new BackupError('BACKUP_NOT_FOUND', `no complete backup in ${where}`);
      return newest;
    }
    if (!idPattern.test(id)) throw new RangeError(`backups: id "${id}" is not a backup id (letters, digits, '.', '_' and '-' only)`);
    try {
      return await readManifest(join(dir, id));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') throw new BackupError('BACKUP_NOT_FOUND', `no backup ${id} in ${where}`);
      throw error;
    }
  }

  /** The manifest's own problem when a key is set: unsigned, or signed by another key or edited since. */
  function signatureProblem(manifest: BackupManifest): VerificationProblem | undefined {
    if (!manifestKey) return undefined;
    const { check, keyId } = checkManifestSignatureWith(manifest, manifestKeys);
    if (check === 'valid') return undefined;
    if (check === 'unsigned') return { path: MANIFEST_FILE, origin: `backup ${manifest.id}`, reason: 'manifest-unsigned' };
    return { path: MANIFEST_FILE, origin: `backup ${manifest.id}`, reason: 'manifest-signature-mismatch', ...(keyId !== undefined && !manifestKeys.some((k) => k.id === keyId) ? { keyId } : {}) };
  }

  const instance: Backups = {
    dir,
    on<K extends keyof BackupEvents & string>(name: K, listener: Listener<BackupEvents[K]>): Unsubscribe {
      return events.on(name, listener);
    },

    register(name, provider) {
      if (typeof name !== 'string' || !providerNamePattern.test(name)) {
        throw new RangeError(`backups.register: name "${String(name)}" must be 1-100 letters, digits, '.', '_' or '-' (it becomes a file name)`);
      }
      if (typeof provider?.snapshot !== 'function' || typeof provider.restore !== 'function') {
        throw new TypeError(`backups.register: provider "${name}" must have snapshot() and restore(state) functions`);
      }
      if (providers.has(name)) throw new RangeError(`backups.register: a provider named "${name}" is already registered`);
      providers.set(name, provider);
      return () => {
        if (providers.get(name) === provider) providers.delete(name);
      };
    },

    async create(createOptions = {}) {
      const type = createOptions.type ?? CREATE_DEFAULTS.type;
      checkOneOf('backups.create', 'type', type, backupTypes);
      const tags = [...(createOptions.tags ?? CREATE_DEFAULTS.tags)];
      tags.forEach((tag, i) => {
        checkNonEmptyString('backups.create', `tags[${i}]`, tag);
        if (tag.includes(',')) throw new RangeError(`backups.create: tags[${i}] must not contain a comma, got ${JSON.stringify(tag)}`);
      });
      const description = createOptions.description ?? CREATE_DEFAULTS.description;
      const configured: Record<SourceKind, number> = {
        config: configFiles.length,
        data: dataPaths.length,
        sqlite: sqliteDatabases.length,
        state: providers.size,
      };
      if (kindsOfType[type].every((kind) => configured[kind] === 0)) {
        // An empty backup would pass the freshness check while protecting nothing.
        throw new RangeError(`backups.create: nothing to back up for type "${type}"; configure ${sourcesOf[type]}`);
      }
      const id = backupId(clock.now(), random);
      try {
        const manifest = await createBackup(
          { id, root: dir, type, tags, description, clock, onProgress: emitProgress, ...(manifestKey ? { manifestKey } : {}), ...(manifestKeyId !== undefined ? { manifestKeyId } : {}) },
          { configFiles, dataPaths, sqliteDatabases, providers },
        );
        events.emit('created', { manifest });
        return manifest;
      } catch (error) {
        events.emit('failed', { id, error });
        throw error;
      }
    },

    async list(filter = {}) {
      if (filter.type !== undefined) checkOneOf('backups.list', 'type', filter.type, backupTypes);
      return (await all()).filter(
        (m) =>
          (filter.tag === undefined || m.tags.includes(filter.tag)) &&
          (filter.type === undefined || m.type === filter.type) &&
          (filter.status === undefined || m.status === filter.status),
      );
    },

    get,

    async signature(id) {
      const manifest = await get(id);
      return manifestKey ? checkManifestSignatureWith(manifest, manifestKeys) : { check: 'unsigned' };
    },

    async verify(id) {
      const manifest = await get(id);
      const signature = signatureProblem(manifest);
      return [...(signature ? [signature] : []), ...(await verifyBackup(join(dir, manifest.id), manifest))];
    },

    async restore(id, restoreOptions = {}) {
      const { acceptUnsigned = RESTORE_SIGNATURE_DEFAULTS.acceptUnsigned, ...rest } = restoreOptions;
      const recorded = await get(id);
      const signature = signatureProblem(recorded);
      if (signature?.reason === 'manifest-signature-mismatch') throw new BackupCorruptError(recorded.id, [signature]);
      if (signature?.reason === 'manifest-unsigned' && !acceptUnsigned) {
        throw new BackupError(
          'BACKUP_UNSIGNED',
          `backup ${recorded.id} has an unsigned manifest (made before manifests were signed, or edited to drop the signature); check it by hand, then restore with --accept-unsigned (acceptUnsigned: true)`,
        );
      }
      const manifest = recorded;
      const result = await restoreBackup({
        // Files go back to the targets configured now, never to the manifest's origin (restore-targets.ts).
        targets: { configFiles, dataPaths, sqliteDatabases },
        root: dir,
        folder: join(dir, manifest.id),
        now: clock.now(),
        manifest,
        providers,
        options: rest,
        onProgress: emitProgress,
      });
      if (!result.dryRun) events.emit('restored', result);
      return result;
    },

    async recover() {
      if ((await kindOf(dir)) !== 'directory') return undefined;
      const result = await recoverRestore(dir);
      if (result !== undefined) events.emit('recovered', result);
      return result;
    },

    async prune(pruneOptions) {
      const { maxAgeDays, dryRun = false, ...rule } = pruneOptions ?? {};
      if (maxAgeDays !== undefined) {
        if (rule.maxAgeMs !== undefined) throw new RangeError('prune: give maxAgeDays or maxAgeMs, not both');
        checkNumber('prune', 'maxAgeDays', maxAgeDays, 0, Infinity, true);
        rule.maxAgeMs = maxAgeDays * DAY_MS;
      }
      checkRetention(rule);
      const decision = applyRetention(await all(), rule, clock.now());
      if (!dryRun) {
        for (const manifest of decision.remove) {
          const folder = join(dir, manifest.id);
          // The manifest goes first: a half-deleted folder is then never listed as a backup.
          await rm(join(folder, 'manifest.json'), { force: true });
          await rm(folder, { recursive: true, force: true });
        }
      }
      const result: PruneResult = { dryRun, removed: decision.remove.map((m) => m.id), kept: decision.keep.map((m) => m.id) };
      if (!dryRun) events.emit('pruned', result);
      return result;
    },

    latest,

    async latestBackupAge() {
      return (await latest())?.ageMs;
    },

    freshnessCheck(freshnessOptions) {
      return backupFreshnessCheck({ ...freshnessOptions, backups: instance });
    },
  };
  return instance;
}
