import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runConfigCheck } from '../../src/cli/commands/config-check.js';
import { keyring, parseKek } from '../../src/security/kek.js';
import { secretStore, secretsMigration } from '../../src/security/secret-store.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-config-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KEY = Buffer.alloc(32, 4).toString('base64');
const VALUE = 'sk-check-5d1e8a7f';

async function check(name: string, yaml: string, secrets: Record<string, string> = {}) {
  const dataDir = join(root, name);
  const keyFile = join(root, `${name}.key`);
  writeFileSync(keyFile, KEY);
  if (Object.keys(secrets).length > 0) {
    const storage = await sqliteStorage({ dataDir, migrations: [secretsMigration], migrate: true });
    const store = secretStore(storage, { keyring: keyring(parseKek(KEY, 'k')) });
    for (const [n, v] of Object.entries(secrets)) await store.set(n, v);
    await storage.close();
  }
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `dataDir: ${JSON.stringify(dataDir)}\nsecurity:\n  secrets:\n    keyFile: ${JSON.stringify(keyFile)}\n${yaml}`);
  const lines: string[] = [];
  const { exitCode, result } = await runConfigCheck({ file, dir: join(root, 'none'), environment: {}, color: false, out: (l) => lines.push(l), probes: { exchange: async () => 'skipped in this test' } });
  return { exitCode, secrets: result.steps.find((s) => s.name === 'secrets')!, text: lines.join('\n') };
}

const ACCOUNT = 'exchange:\n  id: binance\n  apiKey: secret:check-key\n  secret: secret:check-secret\n';

describe('bulwark config check with secret: references', () => {
  it('reads each reference with the configured key, read-only, and prints no value', async () => {
    const { exitCode, secrets, text } = await check('ok', ACCOUNT, { 'check-key': 'ak-check-1234', 'check-secret': VALUE });
    expect(secrets).toEqual({ name: 'secrets', status: 'ok', detail: 'none required (live trading off); stored and readable: exchange.apiKey (secret:check-key), exchange.secret (secret:check-secret)' });
    expect(exitCode).toBe(0);
    expect(text).not.toContain(VALUE);
  });

  it('fails naming the key and the secret that is not stored', async () => {
    const { exitCode, secrets } = await check('missing', ACCOUNT, { 'check-key': 'ak-check-1234' });
    expect(exitCode).toBe(1);
    expect(secrets.status).toBe('failed');
    expect(secrets.detail).toContain('exchange.secret (from ');
    expect(secrets.detail).toContain('references secret "check-secret", which is not stored (bulwark secrets set check-secret)');
  });

  it('fails for every reference when the database holds no secrets yet, creating nothing', async () => {
    const { secrets } = await check('empty', ACCOUNT);
    expect(secrets.status).toBe('failed');
    expect(secrets.detail).toContain('references secret "check-key", but the database holds no secrets yet');
    expect(existsSync(join(root, 'empty', 'bulwark.db'))).toBe(false);
  });
});
