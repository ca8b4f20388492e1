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
import { loadKeyring } from '../security/kek.js';
import { secretStore } from '../security/secret-store.js';
import type { Storage } from '../storage/types.js';

export interface ResolveSecretsOptions {
  /** The layer that set each key, to name it in errors. */
  sources?: ReadonlyMap<string, string>;
  /** Environment for BULWARK_SECRETS_KEY and BULWARK_SECRETS_PREVIOUS_KEYS (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The configuration with every reference replaced by its value; the configuration itself when it has none. */
export async function resolveConfigSecrets(config: BulwarkConfig, storage: Storage, options: ResolveSecretsOptions = {}): Promise<BulwarkConfig> {
  const references = secretReferences(config);
  if (references.length === 0) return config;
  const sources = options.sources ?? new Map<string, string>();
  const { keyFile, previousKeyFiles } = config.security.secrets;
  const issues: ConfigIssue[] = [];
  const issue = (path: string, reason: string): number => issues.push({ path, source: sourceOf(sources, path), reason });
  let store: ReturnType<typeof secretStore>;
  try {
    const ring = loadKeyring({ dataDir: config.dataDir, ...(keyFile !== undefined ? { keyFile } : {}), ...(previousKeyFiles ? { previousKeyFiles } : {}), ...(options.env ? { env: options.env } : {}) });
    if (!ring.current && ring.keys.length === 0) {
      for (const r of references) issue(r.path, `references secret "${r.name}", but no key-encryption key is configured (set BULWARK_SECRETS_KEY or security.secrets.keyFile)`);
      throw new ConfigError(issues);
    }
    store = secretStore(storage, { keyring: ring });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ path: 'security.secrets', source: sourceOf(sources, 'security.secrets'), reason: error instanceof Error ? error.message : String(error) }]);
  }
  const values = new Map<string, string>();
  for (const { path, name } of references) {
    try {
      const value = await store.get(name);
      registerSecret(value);
      values.set(path, value);
    } catch (error) {
      if (error instanceof SecretError) issue(path, error.code === 'SECRET_NOT_FOUND' ? `references secret "${name}", which is not stored (bulwark secrets set ${name})` : `references secret "${name}": ${error.message}`);
      else if (error instanceof TypeError) issue(path, `references secret "${name}": ${error.message}`);
      else throw error;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return withSecretValues(config, values);
}
