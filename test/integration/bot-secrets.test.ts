/**
 * `bulwark bot --config` resolves `secret:NAME` credentials from the deployment's encrypted store,
 * as the service does: a signed call succeeds with them, and a missing one stops the bot with a
 * configuration error naming the key and the secret.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBot, type RunningBot } from '../../src/cli/commands/bot-run.js';
import { clearRegisteredSecrets, sanitizeText } from '../../src/core/secrets.js';
import { keyring, parseKek } from '../../src/security/kek.js';
import { secretStore, secretsMigration } from '../../src/security/secret-store.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { deleteKeys, describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';

const available = await requireService('redis', probeRedis);
const prefix = `h_secrets:bot:${process.pid}:${Date.now().toString(36)}:`;
const KEY = Buffer.alloc(32, 8).toString('hex');
const API_KEY = 'AK-bot-6b2f0c9e1d';
const API_SECRET = 'SK-bot-a7e3d5c1f9';

describeWith(available, 'bulwark bot --config with secret: references', () => {
  let dir: string;
  let sim: SimServer;
  let running: RunningBot | undefined;
  const file = (name: string): string => join(dir, name);

  async function writeConfig(name: string, secretRef: string): Promise<string> {
    const path = file(name);
    await writeFile(
      path,
      [
        `dataDir: ${JSON.stringify(file('data'))}`,
        'storage:',
        `  redisUrl: ${JSON.stringify(redisUrl)}`,
        `  redisPrefix: ${JSON.stringify(prefix)}`,
        'exchange:',
        '  id: binance',
        `  url: ${JSON.stringify(sim.url)}`,
        '  apiKey: secret:bot-key',
        `  secret: ${secretRef}`,
        '  symbols: [BTC/USDT]',
        'security:',
        '  secrets:',
        `    keyFile: ${JSON.stringify(file('kek.hex'))}`,
        '',
      ].join('\n'),
    );
    return path;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-bot-secrets-'));
    sim = await startSimServer({ seed: 5 });
    await writeFile(file('kek.hex'), KEY);
    const storage = await sqliteStorage({ dataDir: file('data'), migrations: [secretsMigration], migrate: true });
    const store = secretStore(storage, { keyring: keyring(parseKek(KEY, 'kek.hex')) });
    await store.set('bot-key', API_KEY);
    await store.set('bot-secret', API_SECRET);
    await storage.close();
  });

  afterAll(async () => {
    await running?.stop();
    await sim?.close();
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, prefix);
    redis.disconnect();
    clearRegisteredSecrets();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('trades with the decrypted credentials (its ccxt client holds them, a signed call succeeds) and masks them', async () => {
    running = await runBot({ config: await writeConfig('bot.yaml', 'secret:bot-secret'), instance: 'secret-bot', tickMs: 60_000, out: () => undefined });
    // The ccxt client holds the decrypted values, not the references.
    expect([running.account.exchange.exchange.apiKey, running.account.exchange.exchange.secret]).toEqual([API_KEY, API_SECRET]);
    const balance = await running.account.exchange.fetchBalance();
    expect(balance.total).toBeDefined();
    expect(sanitizeText(`signed with ${API_SECRET} for ${API_KEY}`)).toBe('signed with [REDACTED] for [REDACTED]');
    await running.stop();
    running = undefined;
  });

  it('a missing secret stops the bot naming the key and the secret', async () => {
    await expect(runBot({ config: await writeConfig('missing.yaml', 'secret:no-such-secret'), instance: 'secret-bot-2', out: () => undefined })).rejects.toThrow(
      /exchange\.secret \(from .*missing\.yaml\): references secret "no-such-secret", which is not stored/,
    );
  });
});
