/**
 * Resolves a configuration's `secret:NAME` references (config/secret-references.ts) from the
 * secret store in its storage, at start: each decrypted value is registered with registerSecret()
 * so it is masked wherever text is sanitised (logs, errors, dead letters, API answers), and the
 * configuration handed on holds the values. A reference that cannot be resolved stops the start
 * with a configuration error naming the key, the layer that set it and the secret's name.
 */
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import { sourceOf } from '../config/layers.js';
import type { BulwarkConfig } from '../config/schema.js';
import { secretReferences, withSecretValues } from '../config/secret-references.js';
import { registerSecret } from '../core/secrets.js';
import { SecretError } from '../security/envelope.js';
import { type Keyring, loadKeyring } from '../security/kek.js';
import { readSecret } from '../security/secret-store.js';
import type { Queryable } from '../storage/types.js';

export interface ResolveSecretsOptions {
  /** The layer that set each key, to name it in errors. */
  sources?: ReadonlyMap<string, string>;
  /** Environment for BULWARK_SECRETS_KEY and BULWARK_SECRETS_PREVIOUS_KEYS (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The configuration with every reference replaced by its value; the configuration itself when it has none. */
export async function resolveConfigSecrets(config: BulwarkConfig, storage: Queryable, options: ResolveSecretsOptions = {}): Promise<BulwarkConfig> {
  const { values, issues } = await readConfigSecrets(config, storage, options);
  if (issues.length > 0) throw new ConfigError(issues);
  if (values.size === 0) return config;
  for (const value of values.values()) registerSecret(value);
  return withSecretValues(config, values);
}

/**
 * Reads every reference (path -> value) and the ones that cannot be read, each an issue naming its
 * key; nothing is registered. `bulwark config check` runs it on a read-only handle.
 */
export async function readConfigSecrets(config: BulwarkConfig, storage: Queryable, options: ResolveSecretsOptions = {}): Promise<{ values: Map<string, string>; issues: ConfigIssue[] }> {
  const references = secretReferences(config);
  const values = new Map<string, string>();
  if (references.length === 0) return { values, issues: [] };
  const sources = options.sources ?? new Map<string, string>();
  const { keyFile, previousKeyFiles } = config.security.secrets;
  const issues: ConfigIssue[] = [];
  const issue = (path: string, reason: string): number => issues.push({ path, source: sourceOf(sources, path), reason });
  let ring: Keyring;
  try {
    ring = loadKeyring({ dataDir: config.dataDir, ...(keyFile !== undefined ? { keyFile } : {}), ...(previousKeyFiles ? { previousKeyFiles } : {}), ...(options.env ? { env: options.env } : {}) });
  } catch (error) {
    issue('security.secrets', error instanceof Error ? error.message : String(error));
    return { values, issues };
  }
  if (ring.keys.length === 0) {
    for (const r of references) issue(r.path, `references secret "${r.name}", but no key-encryption key is configured (set BULWARK_SECRETS_KEY or security.secrets.keyFile)`);
    return { values, issues };
  }
  for (const { path, name } of references) {
    try {
      values.set(path, await readSecret(storage, name, ring));
    } catch (error) {
      if (error instanceof SecretError) issue(path, error.code === 'SECRET_NOT_FOUND' ? `references secret "${name}", which is not stored (bulwark secrets set ${name})` : `references secret "${name}": ${error.message}`);
      else if (error instanceof TypeError) issue(path, `references secret "${name}": ${error.message}`);
      else throw error;
    }
  }
  return { values, issues };
}
