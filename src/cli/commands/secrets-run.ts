/** What `bulwark secrets ...` runs (see secrets.ts); loaded only when one of its subcommands runs. */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { type LoadKeyringOptions, createKekFile, kekFileOf, keyring, loadKeyring, readKekFile } from '../../security/kek.js';
import { type SecretStore, type SecretSummary, secretStore, secretsMigration } from '../../security/secret-store.js';
import type { Storage } from '../../storage/types.js';
import { locateData, openDataStorage } from '../data-location.js';
import { table } from './colors.js';
import { readSecretValue } from './secret-input.js';
import type { SecretsCommandDeps, SecretsFlags } from './secrets.js';

function io(deps: SecretsCommandDeps) {
  return { stdin: deps.stdin ?? process.stdin, stdout: deps.stdout ?? process.stdout, stderr: deps.stderr ?? process.stderr, env: deps.env ?? process.env };
}

interface Opened {
  storage: Storage;
  /** Where the keys are, as the service reads them. */
  keys: LoadKeyringOptions;
}

/**
 * The service's storage and key settings. Only `set` creates a SQLite database that does not exist
 * (credentials may be stored before the first start); the others refuse it, like every command.
 */
async function open(flags: SecretsFlags, env: Readonly<Record<string, string | undefined>>, create = false): Promise<Opened> {
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  let keys: LoadKeyringOptions = { env, dataDir: location.dataDir };
  if (flags.config !== undefined) {
    const { loadConfig } = await import('../../config/loader.js');
    const { secrets } = loadConfig({ file: flags.config, environment: env }).config.security;
    keys = { ...keys, ...(secrets.keyFile !== undefined ? { keyFile: secrets.keyFile } : {}), ...(secrets.previousKeyFiles ? { previousKeyFiles: secrets.previousKeyFiles } : {}) };
  }
  const storage = await openDataStorage(location, { create, hint: 'store a secret first (bulwark secrets set NAME)' });
  try {
    await storage.migrate([secretsMigration]);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return { storage, keys };
}

async function withStore<T>(flags: SecretsFlags, deps: SecretsCommandDeps, create: boolean, work: (store: SecretStore) => Promise<T>): Promise<T> {
  const { storage, keys } = await open(flags, io(deps).env, create);
  try {
    return await work(secretStore(storage, { keyring: loadKeyring({ ...keys, create }) }));
  } finally {
    await storage.close();
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function secretsSet(name: string, flags: SecretsFlags, deps: SecretsCommandDeps): Promise<void> {
  const { stdin, stdout, stderr } = io(deps);
  const value = await readSecretValue(stdin, stderr, `value for ${name}: `);
  // The first `set` of a deployment makes its key file (like the service key), unless a key is configured.
  const summary = await withStore(flags, deps, true, (store) => store.set(name, value));
  stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `Stored secret "${name}" (version ${summary.version}, key ${summary.kekIds.join(', ')}); reference it as secret:${name}\n`);
}

export async function secretsList(flags: SecretsFlags, deps: SecretsCommandDeps): Promise<void> {
  const { stdout } = io(deps);
  const list: SecretSummary[] = await withStore(flags, deps, false, (store) => store.list());
  if (flags.json) stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  else if (list.length === 0) stdout.write('No secrets stored.\n');
  else stdout.write(`${table([['NAME', 'VERSION', 'KEY', 'UPDATED'], ...list.map((s) => [s.name, String(s.version), s.kekIds.join(', '), iso(s.updatedAt)])])}\n`);
}

export async function secretsRemove(name: string, flags: SecretsFlags, deps: SecretsCommandDeps): Promise<void> {
  const { stdout } = io(deps);
  const removed = await withStore(flags, deps, false, (store) => store.remove(name));
  if (!removed) throw new Error(`secret "${name}" is not stored (bulwark secrets list shows the names)`);
  stdout.write(flags.json ? `${JSON.stringify({ name, removed })}\n` : `Removed secret "${name}".\n`);
}

export async function secretsRotate(flags: SecretsFlags & { newKeyFile: string }, deps: SecretsCommandDeps): Promise<void> {
  const { stdout, stderr } = io(deps);
  const { storage, keys } = await open(flags, io(deps).env);
  try {
    const created = !existsSync(flags.newKeyFile);
    const next = created ? createKekFile(flags.newKeyFile) : readKekFile(flags.newKeyFile);
    if (created) stderr.write(`created ${basename(flags.newKeyFile)} with a new random key (${next.id}); keep a copy where you keep the old one\n`);
    const known = loadKeyring(keys);
    const store = secretStore(storage, { keyring: keyring(next, known.keys) });
    const report = await store.rotate({ onProgress: (p) => void stderr.write(`${p.phase === 'wrap' ? 'wrapping under the new key' : 'dropping the old wraps'}: ${p.done}/${p.total}\n`) });
    if (flags.json) {
      stdout.write(`${JSON.stringify({ ...report, keyFile: basename(flags.newKeyFile), created })}\n`);
      return;
    }
    const current = kekFileOf(keys);
    stdout.write(`Rotated ${report.total} secret${report.total === 1 ? '' : 's'} to key ${report.kekId} (${report.wrapped} wrapped, ${report.dropped} old wraps dropped by this run).\n`);
    stdout.write(`Next: make ${basename(flags.newKeyFile)} the key the services read (security.secrets.keyFile, or BULWARK_SECRETS_KEY)${current !== undefined ? ` in place of ${basename(current)}` : ''}, then restart them.\n`);
  } finally {
    await storage.close();
  }
}
