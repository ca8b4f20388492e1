import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';
import { secretReferences } from '../../src/config/secret-references.js';
import { clearRegisteredSecrets, maskRegisteredSecrets, sanitizeText } from '../../src/core/secrets.js';
import { keyring, parseKek } from '../../src/security/kek.js';
import { secretStore, secretsMigration } from '../../src/security/secret-store.js';
import { resolveConfigSecrets } from '../../src/server/configured-secrets.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { tempDir } from '../storage/helpers.js';

const KEY = Buffer.alloc(32, 5).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 6).toString('hex');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  clearRegisteredSecrets();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(secrets: Record<string, string>, key = KEY): Promise<{ dir: string; storage: Storage }> {
  const temp = tempDir('bulwark-config-secrets-');
  cleanups.push(temp.remove);
  const storage = await sqliteStorage({ path: ':memory:', migrations: [secretsMigration], migrate: true });
  cleanups.push(() => storage.close());
  const store = secretStore(storage, { keyring: keyring(parseKek(key, 'test')) });
  for (const [name, value] of Object.entries(secrets)) await store.set(name, value);
  return { dir: temp.dir, storage };
}

function load(dir: string, yaml: string, environment: Record<string, string> = {}) {
  const file = join(dir, 'bulwark.yaml');
  writeFileSync(file, `dataDir: ${JSON.stringify(dir)}\n${yaml}`);
  return loadConfig({ file, dir, environment });
}

const ACCOUNTS = `exchanges:
  - name: main
    id: binance
    apiKey: secret:main-key
    secret: secret:main-secret
  - name: hedge
    id: kraken
    apiKey: plain-api-key-1234
    secret: secret:hedge-secret
    password: secret:hedge-pass
`;

describe('secret: references in the configuration', () => {
  it('finds references only under keys that hold secrets', () => {
    const temp = tempDir('bulwark-config-secrets-');
    cleanups.push(temp.remove);
    const { config } = load(temp.dir, `${ACCOUNTS}log:\n  level: info\n`);
    expect(secretReferences(config)).toEqual([
      { path: 'exchanges.0.apiKey', name: 'main-key' },
      { path: 'exchanges.0.secret', name: 'main-secret' },
      { path: 'exchanges.1.secret', name: 'hedge-secret' },
      { path: 'exchanges.1.password', name: 'hedge-pass' },
    ]);
  });

  it('are resolved from the store at start, and each value is masked in sanitised text from then on', async () => {
    const { dir, storage } = await setup({ 'main-key': 'ak-main-0001', 'main-secret': 'sk-main-0002', 'hedge-secret': 'sk-hedge-0003', 'hedge-pass': 'pw-hedge-0004' });
    const { config, sources } = load(dir, ACCOUNTS, { BULWARK_SECRETS_KEY: KEY });
    expect(sanitizeText('signed with sk-main-0002')).toBe('signed with sk-main-0002');
    const resolved = await resolveConfigSecrets(config, storage, { sources, env: { BULWARK_SECRETS_KEY: KEY } });
    expect(resolved.exchanges![0]).toMatchObject({ apiKey: 'ak-main-0001', secret: 'sk-main-0002' });
    expect(resolved.exchanges![1]).toMatchObject({ apiKey: 'plain-api-key-1234', secret: 'sk-hedge-0003', password: 'pw-hedge-0004' });
    expect(config.exchanges![0]!.secret).toBe('secret:main-secret');
    for (const value of ['ak-main-0001', 'sk-main-0002', 'sk-hedge-0003', 'pw-hedge-0004']) expect(sanitizeText(`failed: ${value}`)).toBe('failed: [REDACTED]');
  });

  it('the loader does not register a reference as a secret value: only its resolved value is', async () => {
    const { dir } = await setup({});
    load(dir, 'exchange:\n  id: binance\n  apiKey: secret:main-key\n  secret: plain-secret-value\n');
    expect(maskRegisteredSecrets('uses secret:main-key')).toBe('uses secret:main-key');
    expect(maskRegisteredSecrets('uses plain-secret-value')).toBe('uses [REDACTED]');
  });

  it('a configuration without references needs no key and is returned as it is', async () => {
    const { dir, storage } = await setup({});
    const { config } = load(dir, 'exchange:\n  id: binance\n');
    expect(await resolveConfigSecrets(config, storage, { env: {} })).toBe(config);
  });

  it('a missing secret is a configuration error naming the key, the layer and the secret', async () => {
    const { dir, storage } = await setup({ 'main-key': 'ak-main-0001', 'main-secret': 'sk-main-0002', 'hedge-secret': 'sk-hedge-0003' });
    const { config, sources } = load(dir, ACCOUNTS);
    const error = await resolveConfigSecrets(config, storage, { sources, env: { BULWARK_SECRETS_KEY: KEY } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path: 'exchanges.1.password', source: join(dir, 'bulwark.yaml'), reason: 'references secret "hedge-pass", which is not stored (bulwark secrets set hedge-pass)' }]);
    expect((error as Error).message).not.toMatch(/sk-main-0002|ak-main-0001|sk-hedge-0003/);
  });

  it('without a key, and with the wrong key, the error names what to set and the key ids', async () => {
    const { dir, storage } = await setup({ 'main-key': 'ak-main-0001' });
    const { config } = load(dir, 'exchange:\n  id: binance\n  apiKey: secret:main-key\n');
    const none = (await resolveConfigSecrets(config, storage, { env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(none.issues[0]).toMatchObject({ path: 'exchange.apiKey', reason: 'references secret "main-key", but no key-encryption key is configured (set BULWARK_SECRETS_KEY or security.secrets.keyFile)' });
    const wrong = (await resolveConfigSecrets(config, storage, { env: { BULWARK_SECRETS_KEY: OTHER_KEY } }).catch((e: unknown) => e)) as ConfigError;
    expect(wrong.issues[0]!.path).toBe('exchange.apiKey');
    expect(wrong.issues[0]!.reason).toContain(`sealed under key-encryption key ${parseKek(KEY, 'k').id}, which is not configured (known: ${parseKek(OTHER_KEY, 'k').id})`);
  });

  it('a key file that cannot be read is an error on security.secrets naming the file, not its folder', async () => {
    const { dir, storage } = await setup({ 'main-key': 'ak-main-0001' });
    const { config } = load(dir, `exchange:\n  id: binance\n  apiKey: secret:main-key\nsecurity:\n  secrets:\n    keyFile: ${JSON.stringify(join(dir, 'gone.key'))}\n    previousKeyFiles: [${JSON.stringify(join(dir, 'old.key'))}]\n`);
    const error = (await resolveConfigSecrets(config, storage, { env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues[0]).toMatchObject({ path: 'security.secrets', reason: 'old.key: cannot read the key-encryption key (ENOENT)' });
    expect(error.message).not.toContain(dir);
  });
});
